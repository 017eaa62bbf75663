/// One use of a value by a node: which node, and which input slot (`nil` when a subgraph of the node reads the
/// value from the enclosing scope).
public struct ValueUse: Sendable, Hashable {
  public var node: Int
  public var input: Int?

  public init(node: Int, input: Int?) {
    self.node = node
    self.input = input
  }
}

/// Producer/consumer lookups, topological order and structural validation.
extension Graph {
  /// The index of the node producing each value (node outputs only; initializers and graph inputs are not nodes).
  /// When a value has several producers (an invalid graph) the first wins.
  public func producerIndex() -> [String: Int] {
    var index: [String: Int] = [:]
    for (position, node) in nodes.enumerated() {
      for output in node.outputs where !output.isEmpty && index[output] == nil { index[output] = position }
    }
    return index
  }

  /// Every use of each value, in node order, including reads from inside subgraphs (`input == nil`).
  public func consumerIndex() -> [String: [ValueUse]] {
    var index: [String: [ValueUse]] = [:]
    for (position, node) in nodes.enumerated() {
      for (slot, input) in node.inputs.enumerated() where !input.isEmpty {
        index[input, default: []].append(ValueUse(node: position, input: slot))
      }
      for name in node.outerScopeReferences().sorted() {
        index[name, default: []].append(ValueUse(node: position, input: nil))
      }
    }
    return index
  }

  /// The index of the node that produces `value`, if a node does.
  public func producer(of value: String) -> Int? {
    nodes.firstIndex { $0.outputs.contains(value) }
  }

  /// The uses of `value` by nodes, in node order.
  public func consumers(of value: String) -> [ValueUse] {
    var uses: [ValueUse] = []
    for (position, node) in nodes.enumerated() {
      for (slot, input) in node.inputs.enumerated() where input == value {
        uses.append(ValueUse(node: position, input: slot))
      }
      if node.outerScopeReferences().contains(value) { uses.append(ValueUse(node: position, input: nil)) }
    }
    return uses
  }

  /// Whether `value` is one of the graph's outputs.
  public func isGraphOutput(_ value: String) -> Bool { outputs.contains { $0.name == value } }

  /// Names this graph (and its nested subgraphs) read but does not define: values of an enclosing graph.
  public func outerScopeReferences() -> Set<String> {
    var defined = Set(inputs.map(\.name)).union(initializers.keys)
    for node in nodes { defined.formUnion(node.outputs) }
    var used = Set(outputs.map(\.name))
    for node in nodes {
      used.formUnion(node.inputs.filter { !$0.isEmpty })
      used.formUnion(node.outerScopeReferences())
    }
    return used.subtracting(defined)
  }

  /// Node indices in an order where every node comes after the producers of its inputs (including values its
  /// subgraphs read). Stable: a graph already in order keeps its order. Throws `.cycle` naming the nodes on a cycle.
  public func topologicalOrder() throws(GraphError) -> [Int] {
    let producers = producerIndex()
    let dependencies: [[Int]] = nodes.map { node in
      var names = node.inputs.filter { !$0.isEmpty }
      names.append(contentsOf: node.outerScopeReferences().sorted())
      return names.compactMap { producers[$0] }
    }
    var state = [UInt8](repeating: 0, count: nodes.count)  // 0 unvisited, 1 on the stack, 2 done
    var order: [Int] = []
    order.reserveCapacity(nodes.count)
    for root in nodes.indices where state[root] == 0 {
      var stack: [(node: Int, next: Int)] = [(root, 0)]
      state[root] = 1
      while let top = stack.last {
        let deps = dependencies[top.node]
        if top.next < deps.count {
          stack[stack.count - 1].next += 1
          let dep = deps[top.next]
          if state[dep] == 0 {
            state[dep] = 1
            stack.append((dep, 0))
          } else if state[dep] == 1 {
            let start = stack.firstIndex { $0.node == dep } ?? 0
            let cycle = stack[start...].map { nodes[$0.node].label } + [nodes[dep].label]
            throw GraphError(
              .cycle, "the graph has a cycle through node \(nodes[dep].label): \(cycle.joined(separator: " → "))")
          }
        } else {
          state[top.node] = 2
          order.append(top.node)
          stack.removeLast()
        }
      }
    }
    return order
  }

  /// Reorders `nodes` topologically (see `topologicalOrder()`).
  public mutating func sortTopologically() throws(GraphError) {
    let order = try topologicalOrder()
    nodes = order.map { nodes[$0] }
  }

  /// Checks that every node input and graph output is produced by exactly one node, initializer or graph input
  /// (or by the enclosing scope, for subgraphs), and that there is no cycle. Recurses into subgraphs.
  public func validate(outerScope: Set<String> = []) throws(GraphError) {
    var defined = outerScope
    var kind: [String: String] = [:]
    for input in inputs {
      if kind[input.name] == "graph input" {
        throw GraphError(.duplicateProducer, "graph input '\(input.name)' is declared twice")
      }
      kind[input.name] = "graph input"
      defined.insert(input.name)
    }
    for name in initializers.keys {
      if kind[name] == nil { kind[name] = "initializer" }
      defined.insert(name)
    }
    for node in nodes {
      for output in node.outputs where !output.isEmpty {
        if let existing = kind[output] {
          throw GraphError(
            .duplicateProducer, "value '\(output)' is produced by node \(node.label) and also by \(existing)")
        }
        kind[output] = "node \(node.label)"
        defined.insert(output)
      }
    }
    for node in nodes {
      for input in node.inputs where !input.isEmpty && !defined.contains(input) {
        throw GraphError(
          .danglingInput,
          "node \(node.label) input '\(input)' is dangling: no node, initializer or graph input produces it")
      }
      for subgraph in node.subgraphs {
        do {
          try subgraph.validate(outerScope: defined)
        } catch {
          var wrapped = error
          wrapped.message = "in subgraph '\(subgraph.name)' of node \(node.label): \(error.message)"
          throw wrapped
        }
      }
    }
    for output in outputs where !defined.contains(output.name) {
      throw GraphError(
        .danglingInput, "graph output '\(output.name)' is not produced by any node, initializer or input")
    }
    _ = try topologicalOrder()
  }
}

extension Node {
  /// Names the node's subgraphs read from enclosing scopes.
  public func outerScopeReferences() -> Set<String> {
    var names = Set<String>()
    for subgraph in subgraphs { names.formUnion(subgraph.outerScopeReferences()) }
    return names
  }
}
