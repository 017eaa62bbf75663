import Foundation
public import RecastDiagnostics
public import RecastGraph
import RecastTensor
public import RecastYAML

extension Dataset {
  /// Loads the data set `name` declared by a (resolved) recipe's `data` section, checking every array
  /// against the model: input names, dtypes, shapes (the sample axis is free; symbolic dimensions accept
  /// any size), equal sample counts, NaN/Inf (names the array and the first bad sample), and the
  /// `start`/`samples` range. Paths are relative to the file that declares them.
  public static func load(
    _ name: String, from root: RecastYAML.Node, model: Graph
  ) throws(DiagnosticError) -> Dataset {
    guard let source = root["data"]?[name], source.mapping != nil else {
      throw DiagnosticError(
        .error("data.missing", "the recipe declares no data set '\(name)'", at: root["data"]?.span ?? root.span))
    }
    guard let inputsNode = source["inputs"] else {
      throw DiagnosticError(.error("schema.required", "data.\(name) needs 'inputs'", at: source.span))
    }
    let modelInputs = model.runtimeInputs
    var inputs = try arrays(inputsNode, names: modelInputs.map(\.name), role: "input", set: name)
    var labels = try source["labels"].map { node throws(DiagnosticError) in
      try arrays(node, names: model.outputs.map(\.name), role: "output", set: name)
    } ?? [:]
    for info in modelInputs where inputs[info.name] == nil {
      throw DiagnosticError(
        .error("data.missing-input", "data.\(name) has no array for model input '\(info.name)'", at: inputsNode.span))
    }
    // Every array holds the same number of samples.
    let counts = (inputs.merging(labels) { a, _ in a }).mapValues { $0.shape.first ?? 0 }
    let total = counts.values.first ?? 0
    if let (other, n) = counts.first(where: { $0.value != total }) {
      throw DiagnosticError(
        .error("data.sample-count", "data.\(name): '\(other)' has \(n) samples, others have \(total)",
          at: inputsNode.span))
    }
    for info in modelInputs {
      try check(inputs[info.name]!, against: info, set: name, at: inputsNode.span)
    }
    // start / samples select a contiguous range.
    let start = source["start"]?.intValue ?? 0
    let samples = source["samples"]?.intValue ?? (total - start)
    guard start >= 0, samples >= 1, start + samples <= total else {
      throw DiagnosticError(
        .error("data.range", "data.\(name) selects samples \(start)..<\(start + samples), but the arrays hold \(total)",
          at: source["samples"]?.span ?? source["start"]?.span ?? source.span))
    }
    if start != 0 || samples != total {
      do {
        inputs = try inputs.mapValues { t throws(TensorError) in try t.sliced(starts: [start], ends: [start + samples], axes: [0]) }
        labels = try labels.mapValues { t throws(TensorError) in try t.sliced(starts: [start], ends: [start + samples], axes: [0]) }
      } catch {
        throw DiagnosticError(.error("data.range", "data.\(name): \(error)", at: source.span))
      }
    }
    for (key, tensor) in inputs.sorted(by: { $0.key < $1.key }) {
      try checkFinite(tensor, name: key, set: name, offset: start, at: inputsNode.span)
    }
    return Dataset(
      name: name, inputs: inputs, labels: labels, batchSize: source["batch_size"]?.intValue ?? 32,
      shuffle: source["shuffle"]?.scalar?.value == .bool(true), seed: UInt64(Swift.max(0, source["seed"]?.intValue ?? 0)))
  }

  /// Reads `inputs`/`labels`: one `.npy` (for the first name), a map name → `.npy`, or an `.npz` keyed by name.
  private static func arrays(
    _ node: RecastYAML.Node, names: [String], role: String, set: String
  ) throws(DiagnosticError) -> [String: Tensor] {
    if let path = node.string {
      if path.hasSuffix(".npz") {
        let entries = try readNPZ(path, node: node)
        var result: [String: Tensor] = [:]
        for entry in entries {
          let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
          guard names.contains(key) else {
            throw DiagnosticError(
              .error("data.unknown-name", "'\(path)' holds '\(key)', which is not a model \(role)", at: node.span,
                help: didYouMean(key, among: names) ?? "model \(role)s: \(names.joined(separator: ", "))"))
          }
          result[key] = entry.tensor
        }
        return result
      }
      guard names.count == 1 || role == "output" else {
        throw DiagnosticError(
          .error("data.single-file", "the model has \(names.count) inputs (\(names.joined(separator: ", "))); map each to a file",
            at: node.span, help: "inputs: {\(names.map { "\($0): \($0).npy" }.joined(separator: ", "))}"))
      }
      guard let first = names.first else { return [:] }
      return [first: try readNPY(path, node: node)]
    }
    var result: [String: Tensor] = [:]
    for pair in node.mapping ?? [] {
      guard let key = pair.key.keyString, let path = pair.value.string else { continue }
      guard names.contains(key) else {
        throw DiagnosticError(
          .error("data.unknown-name", "'\(key)' is not a model \(role)", at: pair.key.span,
            help: didYouMean(key, among: names) ?? "model \(role)s: \(names.joined(separator: ", "))"))
      }
      result[key] = try readNPY(path, node: pair.value)
    }
    return result
  }

  /// A path relative to the folder of the file that wrote it.
  static func resolve(_ path: String, node: RecastYAML.Node) -> URL {
    RecipePath.resolve(path, declaredIn: node)
  }

  private static func readNPY(_ path: String, node: RecastYAML.Node) throws(DiagnosticError) -> Tensor {
    let url = resolve(path, node: node)
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw DiagnosticError(.error("data.missing-file", "data file '\(path)' does not exist (looked for \(url.path))", at: node.span))
    }
    do {
      return try NPY.read(contentsOf: url)
    } catch {
      throw DiagnosticError(.error("data.read", "cannot read '\(path)': \(error)", at: node.span))
    }
  }

  private static func readNPZ(_ path: String, node: RecastYAML.Node) throws(DiagnosticError) -> [(name: String, tensor: Tensor)] {
    let url = resolve(path, node: node)
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw DiagnosticError(.error("data.missing-file", "data file '\(path)' does not exist (looked for \(url.path))", at: node.span))
    }
    do {
      return try NPZ.read(contentsOf: url)
    } catch {
      throw DiagnosticError(.error("data.read", "cannot read '\(path)': \(error)", at: node.span))
    }
  }

  /// dtype and per-sample shape against the model input (the first axis is the sample axis).
  private static func check(_ tensor: Tensor, against info: ValueInfo, set: String, at span: SourceSpan) throws(DiagnosticError) {
    if let expected = info.elementType, expected != tensor.dtype {
      throw DiagnosticError(
        .error("data.dtype", "data.\(set): '\(info.name)' holds \(tensor.dtype.onnxName), the model input takes \(expected.onnxName)",
          at: span))
    }
    guard let dims = info.shape else { return }
    let shown = "[" + dims.map(\.description).joined(separator: ", ") + "]"
    let found = "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]"
    let mismatch = dims.count != tensor.rank || zip(dims.dropFirst(), tensor.shape.dropFirst()).contains { dim, n in
      if case .fixed(let size) = dim { return size != n }
      return false
    }
    if mismatch {
      throw DiagnosticError(
        .error("data.shape", "data.\(set): '\(info.name)' has shape \(found), the model input has shape \(shown)",
          at: span, help: "the first axis indexes samples; the others must match the model"))
    }
  }

  private static func checkFinite(
    _ tensor: Tensor, name: String, set: String, offset: Int, at span: SourceSpan
  ) throws(DiagnosticError) {
    guard tensor.dtype == .float32, let samples = tensor.shape.first, samples > 0 else { return }
    let perSample = tensor.count / samples
    let bad: Int? = tensor.withUnsafeBufferPointer(as: Float.self) { p in
      for i in 0..<p.count where !p[i].isFinite { return i }
      return nil
    }
    if let bad {
      let sample = bad / Swift.max(1, perSample)
      throw DiagnosticError(
        .error("data.non-finite", "data.\(set): '\(name)' holds a NaN or infinite value in sample \(offset + sample)",
          at: span))
    }
  }

}
