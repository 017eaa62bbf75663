public import RecastTensor

/// Constant values: initializers, and `Constant` nodes that exporters use for weights and small shape tensors.
///
/// Import keeps `Constant` nodes as they are, so export is faithful; `promoteConstantsToInitializers()` is the
/// normalisation that turns them into initializers for passes that only look at initializers.
extension Graph {
  /// The constant tensor behind `name`: an initializer, or the output of a `Constant` node with a tensor,
  /// float(s) or int(s) value. `nil` for anything computed at run time.
  public func constantValue(of name: String) -> Tensor? {
    if let tensor = initializers[name] { return tensor }
    guard let producer = producer(of: name) else { return nil }
    return nodes[producer].constantTensor
  }

  /// Replaces every `Constant` node whose value is a tensor, float(s) or int(s) by an initializer named after
  /// its output, appended in node order. Recurses into subgraphs when `recursive`. Returns how many were moved.
  @discardableResult
  public mutating func promoteConstantsToInitializers(recursive: Bool = true) -> Int {
    var moved = 0
    var kept: [Node] = []
    kept.reserveCapacity(nodes.count)
    for var node in nodes {
      if let tensor = node.constantTensor, node.outputs.count == 1, !node.outputs[0].isEmpty,
        !initializers.contains(node.outputs[0])
      {
        initializers[node.outputs[0]] = tensor
        moved += 1
        continue
      }
      if recursive {
        for (key, attribute) in node.attributes {
          switch attribute {
          case .graph(var graph):
            moved += graph.promoteConstantsToInitializers(recursive: true)
            node.attributes[key] = .graph(graph)
          case .graphs(var graphs):
            for i in graphs.indices { moved += graphs[i].promoteConstantsToInitializers(recursive: true) }
            node.attributes[key] = .graphs(graphs)
          default: break
          }
        }
      }
      kept.append(node)
    }
    nodes = kept
    return moved
  }
}

extension Node {
  /// The value of a `Constant` node in the default domain when it is a tensor (`value`) or numbers (`value_float`,
  /// `value_floats`, `value_int`, `value_ints`); `nil` for other nodes and for sparse or string constants.
  public var constantTensor: Tensor? {
    guard opType == "Constant", domain.isEmpty || domain == "ai.onnx", attributes.count == 1,
      let (key, value) = attributes.first
    else { return nil }
    switch (key, value) {
    case ("value", .tensor(let tensor)): return tensor
    case ("value_float", .float(let v)): return Tensor(shape: [], scalars: [v], dtype: .float32)
    case ("value_floats", .floats(let v)): return Tensor(shape: [v.count], scalars: v, dtype: .float32)
    case ("value_int", .int(let v)): return Tensor(shape: [], scalars: [Int64(v)], dtype: .int64)
    case ("value_ints", .ints(let v)): return Tensor(shape: [v.count], scalars: v.map { Int64($0) }, dtype: .int64)
    default: return nil
    }
  }
}
