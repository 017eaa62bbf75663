/// Rewriting helpers for passes: fresh names, renaming values, rewiring uses, inserting and removing nodes.
extension Graph {
  /// Every value and node name in use here (including subgraphs), for generating fresh names.
  public func usedNames() -> Set<String> {
    var names = Set(inputs.map(\.name)).union(outputs.map(\.name)).union(initializers.keys).union(valueInfo.map(\.name))
    for node in nodes {
      names.insert(node.name)
      names.formUnion(node.inputs)
      names.formUnion(node.outputs)
      for subgraph in node.subgraphs { names.formUnion(subgraph.usedNames()) }
    }
    names.remove("")
    return names
  }

  /// `base` if unused, else `base_1`, `base_2`, ... — the first name not in `usedNames()` or `reserved`.
  public func uniqueName(_ base: String, reserved: Set<String> = []) -> String {
    let used = usedNames().union(reserved)
    if !used.contains(base) { return base }
    var counter = 1
    while used.contains("\(base)_\(counter)") { counter += 1 }
    return "\(base)_\(counter)"
  }

  /// Renames a value everywhere: its producer's output, every use (also inside subgraphs that read it), graph
  /// inputs and outputs, initializers and `value_info`.
  public mutating func renameValue(_ old: String, to new: String) {
    guard old != new, !old.isEmpty else { return }
    for i in inputs.indices where inputs[i].name == old { inputs[i].name = new }
    for i in outputs.indices where outputs[i].name == old { outputs[i].name = new }
    for i in valueInfo.indices where valueInfo[i].name == old { valueInfo[i].name = new }
    initializers.renameKey(old, to: new)
    for i in nodes.indices {
      nodes[i].inputs = nodes[i].inputs.map { $0 == old ? new : $0 }
      nodes[i].outputs = nodes[i].outputs.map { $0 == old ? new : $0 }
      nodes[i].renameOuterReferences(old, to: new)
    }
  }

  /// Makes the consumers of `old` read `new` instead (the producer of `old` is untouched). Nodes in `except`
  /// keep reading `old` (e.g. the QuantizeLinear just inserted after it). Graph outputs are redirected only when
  /// `includingGraphOutputs`, since that renames the model's interface.
  public mutating func replaceUses(
    of old: String, with new: String, except: Set<Int> = [], includingGraphOutputs: Bool = false
  ) {
    for i in nodes.indices where !except.contains(i) {
      nodes[i].inputs = nodes[i].inputs.map { $0 == old ? new : $0 }
      nodes[i].renameOuterReferences(old, to: new)
    }
    if includingGraphOutputs {
      for i in outputs.indices where outputs[i].name == old { outputs[i].name = new }
    }
  }

  /// Inserts `node` right after the last producer of its inputs (at the start if none is a node), so a sorted
  /// graph stays sorted. Returns the new node's index.
  @discardableResult
  public mutating func insertNode(_ node: Node) -> Int {
    let producers = producerIndex()
    let after = node.inputs.compactMap { producers[$0] }.max()
    let position = after.map { $0 + 1 } ?? 0
    nodes.insert(node, at: position)
    return position
  }

  /// Removes the nodes at `indices`.
  public mutating func removeNodes(at indices: Set<Int>) {
    nodes = nodes.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
  }

  /// Removes initializers that no node, subgraph or graph output reads. Returns their names.
  @discardableResult
  public mutating func removeUnusedInitializers() -> [String] {
    let used = Set(consumerIndex().keys).union(outputs.map(\.name))
    let unused = initializers.keys.filter { !used.contains($0) }
    for name in unused {
      initializers.removeValue(forKey: name)
      inputs.removeAll { $0.name == name }
    }
    return unused
  }
}

extension Node {
  /// Renames reads of `old` inside this node's subgraphs (values of the enclosing graph they use). A subgraph that
  /// defines its own `old` shadows the outer one and is left alone.
  mutating func renameOuterReferences(_ old: String, to new: String) {
    for (key, attribute) in attributes {
      switch attribute {
      case .graph(var graph) where graph.outerScopeReferences().contains(old):
        graph.renameValue(old, to: new)
        attributes[key] = .graph(graph)
      case .graphs(var graphs):
        var changed = false
        for i in graphs.indices where graphs[i].outerScopeReferences().contains(old) {
          graphs[i].renameValue(old, to: new)
          changed = true
        }
        if changed { attributes[key] = .graphs(graphs) }
      default: break
      }
    }
  }
}
