public import Foundation
public import RecastTensor

/// Helpers the example programs share: arguments, data and accuracy.
public enum Example {
  /// The repository's `Examples` folder (the programs run from the repository root by default).
  public static var examples: URL {
    URL(fileURLWithPath: CommandLine.arguments.dropFirst().first { $0.hasPrefix("--examples=") }?
      .dropFirst("--examples=".count).description ?? "Examples")
  }

  /// The output path given as `--out=PATH`, else `fallback` under `Examples/…/out`.
  public static func output(_ fallback: String) -> URL {
    let path = CommandLine.arguments.dropFirst().first { $0.hasPrefix("--out=") }?.dropFirst("--out=".count)
    let url = path.map { URL(fileURLWithPath: String($0)) } ?? examples.appendingPathComponent(fallback)
    try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    return url
  }

  /// A command-line value `--NAME=VALUE`.
  public static func argument(_ name: String) -> String? {
    CommandLine.arguments.dropFirst().first { $0.hasPrefix("--\(name)=") }.map { String($0.dropFirst(name.count + 3)) }
  }

  public static func load(_ relative: String) throws -> Tensor {
    try NPY.read(contentsOf: examples.appendingPathComponent(relative))
  }

  /// Rows `range` of a sample-major array.
  public static func rows(_ tensor: Tensor, _ range: Range<Int>) throws -> Tensor {
    try tensor.sliced(starts: [range.lowerBound], ends: [range.upperBound], axes: [0])
  }

  /// Batches of `size` samples.
  public static func batches(_ tensor: Tensor, size: Int) throws -> [Tensor] {
    let count = tensor.shape[0]
    return try stride(from: 0, to: count, by: size).map { try rows(tensor, $0..<min($0 + size, count)) }
  }

  /// The fraction of rows of `logits` whose argmax is the label.
  public static func top1(_ logits: Tensor, labels: Tensor) -> Double {
    let scores = logits.scalars(as: Float.self), truth = labels.scalars(as: Int64.self)
    let classes = logits.shape[1]
    var correct = 0
    for (row, label) in truth.enumerated() {
      let slice = scores[row * classes..<(row + 1) * classes]
      if slice.indices.max(by: { slice[$0] < slice[$1] }).map({ $0 - row * classes }) == Int(label) { correct += 1 }
    }
    return Double(correct) / Double(truth.count)
  }
}
