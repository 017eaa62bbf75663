import RecastGraph
import RecastTensor

/// `castTo16Bit`: stores the float32 initializers that stay float (not quantized, not Q/DQ parameters) as
/// float16 when every value fits, with a `Cast(to: FLOAT)` node restoring the original name, so every consumer
/// and the model's arithmetic stay float32 and the model stays valid at any opset.
///
/// "Fits": finite and `|x| ≤ 65504` (binary16's largest finite value); values are rounded to nearest even, so a
/// value below binary16's subnormal range (`|x| < 2^−25`) becomes 0. Tensors with fewer than 16 elements stay
/// float32 (the Cast node would cost more than the 2 bytes per element saved). Scales stay float32 because
/// `DequantizeLinear`'s output type is its scale's type.
enum Float16Casting {
  static let minimumCount = 16

  static func apply(to graph: inout Graph) {
    var excluded = Set<String>()
    for node in graph.nodes where node.opType == "QuantizeLinear" || node.opType == "DequantizeLinear" {
      excluded.formUnion(node.inputs)
    }
    let outputs = Set(graph.outputs.map(\.name))
    let candidates = graph.initializers.filter { name, tensor in
      tensor.dtype == .float32 && tensor.count >= minimumCount && !excluded.contains(name) && !outputs.contains(name)
        && fits(tensor)
    }
    for (name, tensor) in candidates {
      guard let half = try? tensor.cast(to: .float16) else { continue }
      let stored = graph.uniqueName(name + "_fp16")
      _ = graph.initializers.removeValue(forKey: name)
      graph.inputs.removeAll { $0.name == name }
      graph.initializers[stored] = half
      graph.insertNode(
        Node(
          name: graph.uniqueName(name + "_Cast"), opType: "Cast", inputs: [stored], outputs: [name],
          attributes: ["to": .int(Int(DataType.float32.rawValue))]))
    }
  }

  static func fits(_ tensor: Tensor) -> Bool {
    tensor.withUnsafeBufferPointer(as: Float.self) { values in
      values.allSatisfy { $0.isFinite && abs($0) <= 65504 }
    }
  }
}
