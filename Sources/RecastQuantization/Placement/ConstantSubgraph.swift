import RecastGraph
import RecastTensor

/// Values computed only from constants, such as the zero Conv bias the torch.export exporter builds with
/// `Shape(weight) → Expand → CastLike(0, input) → Expand`.
///
/// A value qualifies when every ancestor is a node of the default domain reading constants, except that `CastLike`
/// input 1 may be any value: only its element type is used. It is evaluated once with the Executor, each such
/// type-only value bound to a scalar zero of its (inferred) element type.
enum ConstantSubgraph {
  /// The value of `name`, or `nil` when it depends on run-time data or cannot be evaluated.
  static func evaluate(_ name: String, in graph: Graph, opset: Int) -> Tensor? {
    if let tensor = graph.constantValue(of: name) { return tensor }
    guard let (nodes, typeOnly) = ancestors(of: name, in: graph) else { return nil }
    let inferred = try? graph.inferredShapes()
    var bound: [String: Tensor] = [:]
    var inputs: [ValueInfo] = []
    for value in typeOnly.sorted() {
      guard let type = graph.valueType(of: value)?.elementType ?? inferred?.values[value]?.elementType else {
        return nil
      }
      bound[value] = Tensor(zeros: type, shape: [])
      inputs.append(ValueInfo(name: value, elementType: type, shape: []))
    }
    let sub = Graph(
      nodes: nodes.sorted().map { graph.nodes[$0] }, inputs: inputs,
      outputs: [ValueInfo(name: name)], initializers: graph.initializers)
    guard let executor = try? Executor(graph: sub, opset: opset), let result = try? executor.run(bound)[name] else {
      return nil
    }
    return result
  }

  /// The nodes `name` is computed from and the values read only for their type, or `nil` when run-time data
  /// reaches it.
  static func ancestors(of name: String, in graph: Graph) -> (nodes: Set<Int>, typeOnly: Set<String>)? {
    let producers = graph.producerIndex()
    var result: Set<Int> = []
    var typeOnly: Set<String> = []
    var pending = [name]
    while let value = pending.popLast() {
      if graph.initializers[value] != nil || value.isEmpty { continue }
      guard let p = producers[value] else { return nil }
      guard result.insert(p).inserted else { continue }
      let node = graph.nodes[p]
      guard node.domain.isEmpty || node.domain == "ai.onnx", node.subgraphs.isEmpty else { return nil }
      for (slot, input) in node.inputs.enumerated() where !input.isEmpty {
        if node.opType == "CastLike", slot == 1 {
          typeOnly.insert(input)
        } else {
          pending.append(input)
        }
      }
    }
    return (result, typeOnly)
  }

  /// Removes the nodes among `candidates` (node names) whose outputs nothing reads any more, repeatedly.
  static func removeDead(_ candidates: Set<String>, from graph: inout Graph) {
    while true {
      let read = Set(graph.nodes.flatMap(\.inputs)).union(graph.outputs.map(\.name))
      let dead = Set(
        graph.nodes.indices.filter { i in
          candidates.contains(graph.nodes[i].name) && graph.nodes[i].presentOutputs.allSatisfy { !read.contains($0) }
        })
      guard !dead.isEmpty else { return }
      graph.removeNodes(at: dead)
    }
  }
}
