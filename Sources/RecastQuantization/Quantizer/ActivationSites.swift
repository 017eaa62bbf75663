import RecastGraph

/// Inserts one chain of nodes per activation quantizer at its site — the shared graph surgery of the prepared
/// model (one fake-quant node per site) and the ONNX export (`QuantizeLinear → DequantizeLinear` per site).
///
/// - `.value` sites come first, in plan order: every consumer of the value reads the chain's output instead. When
///   the value is a graph output, the producer's output is renamed (`<v><inputSuffix>`) and the chain writes the
///   original name, so the model's interface keeps its names (onnxruntime's layout for `logits`).
/// - `.input(node:slot:)` sites follow: only that input of that node reads the chain's output. When a `.value`
///   quantizer sits on the same edge, the `.input` chain reads the already quantized value (eager mode keeps both).
enum ActivationSites {
  /// Builds the chain for one quantizer: nodes whose first reads `input` and whose last writes `output`, in
  /// order. It may add initializers to the graph.
  typealias Chain = (_ quantizer: ActivationQuantizer, _ input: String, _ output: String, _ graph: inout Graph)
    throws -> [Node]

  static func insert(
    _ quantizers: [ActivationQuantizer], into graph: inout Graph, outputSuffix: String, inputSuffix: String,
    chain: Chain
  ) throws {
    let ordered = quantizers.filter { $0.site == .value } + quantizers.filter { $0.site != .value }
    for quantizer in ordered {
      switch quantizer.site {
      case .value:
        let v = quantizer.value
        let isInput = graph.inputs.contains { $0.name == v }
        if !isInput, graph.outputs.contains(where: { $0.name == v }),
          let producer = graph.nodes.firstIndex(where: { $0.outputs.contains(v) })
        {
          let renamed = graph.uniqueName(v + inputSuffix)
          graph.nodes[producer].outputs = graph.nodes[producer].outputs.map { $0 == v ? renamed : $0 }
          try append(try chain(quantizer, renamed, v, &graph), to: &graph)
        } else {
          let output = graph.uniqueName(v + outputSuffix)
          graph.replaceUses(of: v, with: output)
          try append(try chain(quantizer, v, output, &graph), to: &graph)
        }
      case .input(let nodeName, let slot):
        guard let index = graph.nodes.firstIndex(where: { $0.name == nodeName }) else {
          throw QuantizationError("activation quantizer \(quantizer.id): no node named '\(nodeName)'")
        }
        guard slot >= 0, slot < graph.nodes[index].inputs.count, !graph.nodes[index].inputs[slot].isEmpty else {
          throw QuantizationError("activation quantizer \(quantizer.id): node '\(nodeName)' has no input \(slot)")
        }
        let read = graph.nodes[index].inputs[slot]
        let output = graph.uniqueName("\(quantizer.value)_\(nodeName)_\(slot)" + outputSuffix)
        graph.nodes[index].inputs[slot] = output
        try append(try chain(quantizer, read, output, &graph), to: &graph)
      }
    }
  }

  /// Inserts the chain's nodes after the producers of their inputs (so a sorted graph stays sorted).
  private static func append(_ nodes: [Node], to graph: inout Graph) throws {
    guard !nodes.isEmpty else { throw QuantizationError("empty node chain") }
    for node in nodes { graph.insertNode(node) }
  }
}
