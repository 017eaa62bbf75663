import RecastTensor

/// Rewrites a graph for plain inference runs (no observer): a `Conv` followed by an inference-mode
/// `BatchNormalization` with constant parameters becomes one `Conv` with folded weights and bias, and a `Relu`
/// that alone reads a `Conv`'s output is fused into it (`Conv` reads the internal attribute `reluAttribute`).
///
/// Folding is exact up to float rounding: `W'[m] = W[m]·k[m]`, `B'[m] = B[m]·k[m] + bias[m] − mean[m]·k[m]` with
/// `k = scale / √(var + ε)`. Only values read by nothing else (no other node, subgraph or graph output) disappear,
/// so the rewritten graph computes the same outputs.
enum InferenceFusion {
  /// The attribute marking a `Conv` whose output is clamped at zero (a fused `Relu`).
  static let reluAttribute = "recast.fused_relu"

  /// Op types whose kernels the fusion replaces; a custom kernel for any of them disables it.
  static let fusedOps: Set<String> = ["Conv", "BatchNormalization", "Relu"]

  /// The rewritten graph, or `nil` when nothing fuses.
  static func fuse(_ graph: Graph) -> Graph? {
    var graph = graph
    var uses: [String: Int] = [:]
    for node in graph.nodes {
      for name in node.presentInputs { uses[name, default: 0] += 1 }
      for subgraph in node.subgraphs {
        for name in subgraph.outerScopeReferences() { uses[name, default: 0] += 2 }
      }
    }
    for output in graph.outputs { uses[output.name, default: 0] += 2 }
    var readers: [String: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
      for name in node.presentInputs { readers[name] = index }
    }
    var removed = Set<Int>()
    var changed = false
    for index in graph.nodes.indices where isPlainConv(graph.nodes[index]) {
      var conv = graph.nodes[index]
      if let next = soleReader(of: conv.outputs[0], uses: uses, readers: readers, removed: removed),
        graph.nodes[next].opType == "BatchNormalization",
        let folded = fold(conv, into: graph.nodes[next], graph: graph)
      {
        for (name, tensor) in folded.initializers { graph.initializers[name] = tensor }
        conv = folded.node
        removed.insert(next)
        changed = true
      }
      if let next = soleReader(of: conv.outputs[0], uses: uses, readers: readers, removed: removed),
        graph.nodes[next].opType == "Relu", graph.nodes[next].domain.isEmpty,
        let output = graph.nodes[next].outputs.first, !output.isEmpty
      {
        conv.outputs = [output]
        conv.attributes[reluAttribute] = .int(1)
        removed.insert(next)
        changed = true
      }
      graph.nodes[index] = conv
    }
    guard changed else { return nil }
    graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    return graph
  }

  /// A default-domain `Conv` with one output and no fused activation yet.
  private static func isPlainConv(_ node: Node) -> Bool {
    node.opType == "Conv" && node.domain.isEmpty && node.outputs.count == 1 && !node.outputs[0].isEmpty
      && node.attributes[reluAttribute] == nil
  }

  /// The index of the only node reading `value`, when exactly one node (not yet removed) reads it once and
  /// nothing else does.
  private static func soleReader(of value: String, uses: [String: Int], readers: [String: Int], removed: Set<Int>)
    -> Int?
  {
    guard uses[value] == 1, let index = readers[value], !removed.contains(index) else { return nil }
    return index
  }

  /// `conv` with `bn` folded in, plus the new weight and bias initializers; `nil` unless `bn` is inference-mode
  /// with one output, every parameter and the conv's weight (and bias) are float32 initializers, and the
  /// channel counts match.
  private static func fold(
    _ conv: Node, into bn: Node, graph: Graph
  ) -> (node: Node, initializers: [(String, Tensor)])? {
    guard bn.domain.isEmpty, bn.int("training_mode", default: 0) == 0, bn.presentOutputs.count == 1,
      bn.outputs[0] == bn.presentOutputs[0], bn.inputs.count >= 5, bn.inputs[0] == conv.outputs[0]
    else { return nil }
    let constant = { (name: String?) -> Tensor? in
      guard let name, let tensor = graph.initializers[name], tensor.dtype == .float32 else { return nil }
      return tensor
    }
    guard let weight = constant(conv.input(1)), weight.rank >= 3 else { return nil }
    let m = weight.shape[0]
    let params = (1...4).map { constant(bn.input($0)) }
    guard params.allSatisfy({ $0?.count == m }) else { return nil }
    var oldBias = [Float](repeating: 0, count: m)
    if let name = conv.input(2) {
      guard let tensor = constant(name), tensor.count == m else { return nil }
      oldBias = tensor.floats()
    }
    let (s, b, mean, v) = (params[0]!.floats(), params[1]!.floats(), params[2]!.floats(), params[3]!.floats())
    let epsilon = bn.float("epsilon", default: 1e-5)
    var w = weight.floats()
    let perOutput = w.count / Swift.max(m, 1)
    var newBias = [Float](repeating: 0, count: m)
    for channel in 0..<m {
      let k = s[channel] / (v[channel] + epsilon).squareRoot()
      newBias[channel] = oldBias[channel] * k + (b[channel] - mean[channel] * k)
      for i in channel * perOutput..<(channel + 1) * perOutput { w[i] *= k }
    }
    let base = bn.outputs[0]
    let (weightName, biasName) = ("\(base)::folded_weight", "\(base)::folded_bias")
    guard graph.initializers[weightName] == nil, graph.initializers[biasName] == nil else { return nil }
    var node = conv
    node.inputs = [conv.inputs[0], weightName, biasName]
    node.outputs = [base]
    let initializers = [
      (weightName, Tensor(shape: weight.shape, floats: w)), (biasName, Tensor(shape: [m], floats: newBias)),
    ]
    return (node, initializers)
  }
}
