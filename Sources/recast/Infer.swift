import ArgumentParser
import Foundation
import RecastGraph
import RecastTensor

/// `recast infer MODEL --input NAME=FILE.npy ... --output OUT.npz`: runs a model on Recast's executor.
struct Infer: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run an ONNX model on Recast's CPU executor.",
    discussion: """
      Inputs are .npy files, given as NAME=FILE.npy (or just FILE.npy for a single-input model). Outputs are written
      to an uncompressed .npz (as np.savez writes) through a temporary file and a rename. --compare prints the
      maximum absolute and relative error of each output against a reference .npz and fails when an output's
      maximum absolute error exceeds --tolerance.
      Exit codes: 0 success, 1 error or comparison failure, 64 usage error.
      """
  )

  @Argument(help: "The ONNX model.")
  var model: String

  @Option(name: .customLong("input"), help: "An input as NAME=FILE.npy; FILE.npy alone for a single-input model.")
  var inputs: [String] = []

  @Option(help: "Write the outputs to this .npz file.")
  var output: String?

  @Option(help: "Compare the outputs with the arrays of this .npz file (by output name).")
  var compare: String?

  @Option(help: "Largest maximum absolute error --compare accepts.")
  var tolerance: Double = 1e-4

  @Flag(help: "Reject inputs that hold NaN or infinity.")
  var checkFinite = false

  @Flag(help: ArgumentHelp("Print the time per run.", visibility: .hidden))
  var time = false

  @Option(help: ArgumentHelp("Timed runs with --time.", visibility: .hidden))
  var `repeat` = 10

  @Option(help: ArgumentHelp("Untimed runs before timing with --time.", visibility: .hidden))
  var warmup = 2

  func validate() throws {
    if inputs.isEmpty { throw ValidationError("give at least one --input NAME=FILE.npy") }
    if `repeat` < 1 || warmup < 0 { throw ValidationError("--repeat must be at least 1 and --warmup at least 0") }
    if let output, !output.hasSuffix(".npz") { throw ValidationError("--output must name a .npz file") }
  }

  func run() throws {
    do {
      try execute()
    } catch let error as ExitCode {
      throw error
    } catch let error as ValidationError {
      throw error
    } catch {
      let text = "\(error)"
      FileHandle.standardError.write(
        Data(((text.hasPrefix("error:") || text.contains(": error:")) ? text : "error: \(text)").utf8 + [10]))
      throw ExitCode(1)
    }
  }

  private func execute() throws {
    let executor = try Executor(
      try Model(contentsOf: URL(fileURLWithPath: model)), options: .init(checkFinite: checkFinite))
    let values = try readInputs(for: executor)
    let outputs = try executor.run(values)
    let ordered = executor.outputNames.map { (name: $0, tensor: outputs[$0]!) }
    if let output { try NPZ.write(ordered, to: URL(fileURLWithPath: output)) }
    for (name, tensor) in ordered where output == nil && compare == nil && !time {
      print("\(name): \(tensor.dtype) \(tensor.shape)")
    }
    if time { try timeRuns(executor, values) }
    if let compare { try compareOutputs(ordered, with: compare) }
  }

  /// The inputs by name, from `NAME=FILE.npy` arguments (or one bare `FILE.npy` for a single-input model).
  private func readInputs(for executor: Executor) throws -> [String: Tensor] {
    var values: [String: Tensor] = [:]
    let declared = executor.inputs.map(\.name)
    for argument in inputs {
      let name: String
      let path: String
      if let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        path = String(argument[argument.index(after: equals)...])
      } else {
        guard declared.count == 1 else {
          throw ValidationError(
            "'\(argument)' gives no input name; the model has \(declared.count) inputs "
              + "(\(declared.joined(separator: ", "))), so write NAME=FILE.npy")
        }
        name = declared[0]
        path = argument
      }
      guard values[name] == nil else { throw ValidationError("input '\(name)' is given twice") }
      values[name] = try NPY.read(contentsOf: URL(fileURLWithPath: path))
    }
    return values
  }

  /// Runs `warmup` untimed and `repeat` timed runs; prints mean and median milliseconds per run.
  private func timeRuns(_ executor: Executor, _ values: [String: Tensor]) throws {
    for _ in 0..<warmup { _ = try executor.run(values) }
    var times: [Double] = []
    for _ in 0..<`repeat` {
      let start = DispatchTime.now().uptimeNanoseconds
      _ = try executor.run(values)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    let mean = times.reduce(0, +) / Double(times.count)
    let median = times.sorted()[times.count / 2]
    print(String(format: "time: mean %.3f ms, median %.3f ms over %d runs", mean, median, times.count))
  }

  /// Prints each output's maximum absolute and relative error against the reference; exit 1 past `tolerance`.
  private func compareOutputs(_ outputs: [(name: String, tensor: Tensor)], with path: String) throws {
    let reference = Dictionary(
      try NPZ.read(contentsOf: URL(fileURLWithPath: path)).map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a }
    )
    var failed = false
    for (name, tensor) in outputs {
      guard let expected = reference[name] else {
        print("\(name): not in \(path)")
        failed = true
        continue
      }
      guard expected.shape == tensor.shape else {
        print("\(name): shape \(tensor.shape), reference \(expected.shape)")
        failed = true
        continue
      }
      var maxAbs = 0.0
      var maxRel = 0.0
      for (a, e) in zip(tensor.floats(), expected.floats()) {
        let difference = abs(Double(a) - Double(e))
        if difference.isNaN || (a.isNaN != e.isNaN) {
          maxAbs = .infinity
          continue
        }
        maxAbs = max(maxAbs, difference)
        if e != 0 { maxRel = max(maxRel, difference / abs(Double(e))) }
      }
      let ok = maxAbs <= tolerance
      failed = failed || !ok
      print(
        String(
          format: "%@: max abs error %.3g, max rel error %.3g%@", name, maxAbs, maxRel,
          ok ? "" : " (exceeds tolerance \(tolerance))"))
    }
    if failed { throw ExitCode(1) }
  }
}
