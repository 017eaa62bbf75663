import RecastGraph
import RecastTensor

/// The `ai.onnx` opset and IR version a QDQ export needs, and the rewrites that keep a graph's meaning when its
/// opset is raised.
///
/// Opset per dtype (DequantizeLinear / QuantizeLinear type constraints, checked against onnx 1.23's schemas):
/// int8/uint8 and int32 biases 13 (the first with a per-axis `axis`); float8 e4m3fn/e5m2 19 (per-tensor and
/// per-axis); int4/uint4 and any `block_size` 21; float4 e2m1 23; int2/uint2 25. The opset is raised only as far
/// as the dtypes need, never lowered; the IR version follows onnx's table (13→7, 15→8, 19→9, 21→10, 23→11, 24→12,
/// 25→13).
enum OpsetUpgrade {
  /// The lowest opset whose Q/DQ accept `dtype` (with `blocked`: a `block_size` attribute).
  static func requiredOpset(_ dtype: QuantDType, blocked: Bool) -> Int {
    var opset: Int
    switch dtype {
    case .int8, .uint8: opset = 13
    case .float8_e4m3fn, .float8_e5m2: opset = 19
    case .int4, .uint4: opset = 21
    case .float4_e2m1fn: opset = 23
    case .int2, .uint2: opset = 25
    }
    if blocked { opset = max(opset, 21) }
    return opset
  }

  /// The lowest IR version that may import `opset`.
  static func irVersion(forOpset opset: Int) -> Int {
    switch opset {
    case ...14: 7
    case 15...18: 8
    case 19...20: 9
    case 21...22: 10
    case 23: 11
    case 24: 12
    default: 13
    }
  }

  /// Ops whose `axes` (or `split`) attribute became an input at the given opset.
  private static let attributeToInput: [(op: String, attribute: String, since: Int)] =
    [("Squeeze", "axes", 13), ("Unsqueeze", "axes", 13), ("ReduceSum", "axes", 13), ("Split", "split", 13)]
    + [
      "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
      "ReduceProd", "ReduceSumSquare",
    ].map { ($0, "axes", 18) }

  /// Ops whose meaning changed in a way the rewrite does not handle, with the opset of the change.
  private static let unsupported: [String: Int] = ["GroupNormalization": 21, "DFT": 20]

  /// Rewrites `graph` (top level) from opset `old` to `new`: moves `axes`/`split` attributes to int64 initializer
  /// inputs where the op changed, and gives a `Split` without sizes its `num_outputs` (required from 18).
  /// - Throws: for an op in `unsupported` whose change lies in `(old, new]`.
  static func upgrade(_ graph: inout Graph, from old: Int, to new: Int) throws {
    guard new > old else { return }
    for index in graph.nodes.indices {
      let node = graph.nodes[index]
      guard node.domain.isEmpty || node.domain == "ai.onnx" else { continue }
      if let since = unsupported[node.opType], old < since, since <= new {
        throw QuantizationError(
          "raising the opset from \(old) to \(new) for quantized types changes the meaning of \(node.opType) "
            + "(node '\(node.name)'); export the float model at opset \(since) or later first")
      }
      for rule in attributeToInput where rule.op == node.opType && old < rule.since && rule.since <= new {
        guard let values = node.ints(rule.attribute) else { continue }
        let name = graph.uniqueName("\(node.name.isEmpty ? node.opType : node.name)_\(rule.attribute)")
        graph.initializers[name] = Tensor(shape: [values.count], scalars: values.map { Int64($0) }, dtype: .int64)
        _ = graph.nodes[index].attributes.removeValue(forKey: rule.attribute)
        var inputs = graph.nodes[index].inputs
        while inputs.count < 1 { inputs.append("") }
        inputs.insert(name, at: 1)
        graph.nodes[index].inputs = Array(inputs.prefix(2))
      }
      if node.opType == "Split", old < 18, new >= 18, graph.nodes[index].input(1) == nil {
        graph.nodes[index].attributes["num_outputs"] = .int(node.outputs.count)
      }
    }
  }
}
