import Foundation
public import RecastDiagnostics
public import RecastTensor

/// Accumulates an evaluate stage's metrics over batches: accuracy against labels for the quantized and the
/// float model, and the quantized outputs' error against the float model's on the same inputs.
///
/// - `top1`/`top5`: the label is a class index per sample (integer labels of shape `[N]` or `[N, 1]`), or
///   one-hot/probabilities of the output's shape (its argmax is the class). Scores are the output's last axis.
/// - `sqnr`: 10·log10(Σf² / Σ(q − f)²) over every element, in dB (∞ when the outputs are equal).
/// - `cosine`: the mean over samples of the cosine between a sample's flattened quantized and float outputs.
/// - `mse`, `max_abs`: mean squared and largest absolute difference over every element.
public struct RunMetrics: Sendable {
  public static let all = ["top1", "top5", "sqnr", "cosine", "mse", "max_abs"]

  public private(set) var samples = 0
  private var correct1 = 0, correct5 = 0, floatCorrect1 = 0, floatCorrect5 = 0
  private var signal = 0.0, noise = 0.0, elements = 0, maxAbs = 0.0
  private var cosineSum = 0.0

  public init() {}

  /// The metrics an evaluate stage computes: its `metrics`, or top1 when its data has labels, else sqnr and cosine.
  public static func names(for step: RunStep, datasets: [String: Dataset]) -> [String] {
    if let names = step.strings("metrics") { return names }
    let data = step.dataset(among: datasets.keys).flatMap { datasets[$0] }
    return data.map { !$0.labels.isEmpty } == true ? ["top1"] : ["sqnr", "cosine"]
  }

  /// Adds one batch: `quantized` and `float` are the same output of the two models, `labels` the batch's labels.
  public mutating func add(quantized: Tensor, float: Tensor, labels: Tensor?) throws(DiagnosticError) {
    guard quantized.shape == float.shape, let n = quantized.shape.first, n > 0 else {
      throw DiagnosticError(
        .error("run.evaluate", "the quantized output has shape \(quantized.shape), the float one \(float.shape)", at: nil))
    }
    let q: [Float] = (try? quantized.cast(to: .float32).scalars(as: Float.self)) ?? []
    let f: [Float] = (try? float.cast(to: .float32).scalars(as: Float.self)) ?? []
    let per = q.count / n
    for s in 0..<n {
      var dot = 0.0, qq = 0.0, ff = 0.0
      for i in s * per..<(s + 1) * per {
        let a = Double(q[i]), b = Double(f[i]), d = a - b
        dot += a * b
        qq += a * a
        ff += b * b
        signal += b * b
        noise += d * d
        maxAbs = Swift.max(maxAbs, Swift.abs(d))
      }
      cosineSum += qq == 0 || ff == 0 ? (qq == ff ? 1 : 0) : dot / (qq.squareRoot() * ff.squareRoot())
    }
    elements += q.count
    if let labels {
      let classes = quantized.shape.last ?? 1
      let targets = try Self.classes(labels, samples: n, classes: classes, outputShape: quantized.shape)
      for s in 0..<n {
        let target = targets[s]
        let qRow = Self.row(q, sample: s, per: per, classes: classes)
        let fRow = Self.row(f, sample: s, per: per, classes: classes)
        if Self.rank(of: target, in: qRow) == 0 { correct1 += 1 }
        if Self.rank(of: target, in: qRow) < 5 { correct5 += 1 }
        if Self.rank(of: target, in: fRow) == 0 { floatCorrect1 += 1 }
        if Self.rank(of: target, in: fRow) < 5 { floatCorrect5 += 1 }
      }
    }
    samples += n
  }

  /// The value of each metric (`top1_drop` and the float model's accuracy come with `top1`).
  public func values(_ names: [String], hasLabels: Bool) -> [(name: String, value: Double)] {
    var result: [(String, Double)] = []
    let count = Double(Swift.max(samples, 1))
    for name in names {
      switch name {
      case "top1" where hasLabels:
        result.append(("top1", Double(correct1) / count))
        result.append(("float_top1", Double(floatCorrect1) / count))
        result.append(("top1_drop", Double(floatCorrect1 - correct1) / count))
      case "top5" where hasLabels:
        result.append(("top5", Double(correct5) / count))
        result.append(("float_top5", Double(floatCorrect5) / count))
      case "sqnr": result.append(("sqnr", noise == 0 ? .infinity : 10 * log10(signal / noise)))
      case "cosine": result.append(("cosine", cosineSum / count))
      case "mse": result.append(("mse", noise / Double(Swift.max(elements, 1))))
      case "max_abs": result.append(("max_abs", maxAbs))
      default: break
      }
    }
    return result
  }

  /// The last-axis scores of a sample's first row (classification outputs are `[N, C]`).
  private static func row(_ values: [Float], sample: Int, per: Int, classes: Int) -> ArraySlice<Float> {
    values[sample * per..<sample * per + Swift.min(classes, per)]
  }

  /// How many scores beat the target's (0: the target is the argmax; ties go to the lower index, as argmax).
  private static func rank(of target: Int, in scores: ArraySlice<Float>) -> Int {
    let base = scores.startIndex
    guard target >= 0, target < scores.count else { return Int.max }
    let value = scores[base + target]
    var rank = 0
    for (offset, score) in scores.enumerated() where score > value || (score == value && offset < target) {
      rank += 1
    }
    return rank
  }

  private static func classes(
    _ labels: Tensor, samples n: Int, classes: Int, outputShape: [Int]
  ) throws(DiagnosticError) -> [Int] {
    if labels.shape == outputShape, let values = try? labels.cast(to: .float32).scalars(as: Float.self) {
      let per = values.count / n
      return (0..<n).map { s in
        let row = values[s * per..<s * per + classes]
        return row.indices.max { row[$0] < row[$1] }.map { $0 - s * per } ?? 0
      }
    }
    guard labels.count == n, let ids = try? labels.cast(to: .int64).scalars(as: Int64.self) else {
      throw DiagnosticError(
        .error(
          "run.labels",
          "labels of shape \(labels.shape) fit neither class indices [\(n)] nor the output's shape \(outputShape)",
          at: nil))
    }
    return ids.map { Int($0) }
  }
}
