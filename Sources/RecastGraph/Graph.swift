public import RecastTensor

/// A computation graph: nodes in file order, declared inputs and outputs, initializers (constant tensors by
/// name, in file order) and optional `value_info` type annotations for intermediate values.
///
/// Subgraphs (`If`, `Loop`, `Scan`) live in node attributes and may read values of the enclosing graph.
/// Rewriting helpers (producer/consumer lookup, renaming, insertion, topological order) are in the
/// `Graph+Topology.swift` and `Graph+Editing.swift` extensions.
public struct Graph: Sendable, Equatable {
  public var name: String
  public var nodes: [Node]
  public var inputs: [ValueInfo]
  public var outputs: [ValueInfo]
  public var initializers: OrderedMap<String, Tensor>
  public var valueInfo: [ValueInfo]
  public var docString: String
  public var metadataProps: OrderedMap<String, String>

  public init(
    name: String = "graph", nodes: [Node] = [], inputs: [ValueInfo] = [], outputs: [ValueInfo] = [],
    initializers: OrderedMap<String, Tensor> = [:], valueInfo: [ValueInfo] = [], docString: String = "",
    metadataProps: OrderedMap<String, String> = [:]
  ) {
    self.name = name
    self.nodes = nodes
    self.inputs = inputs
    self.outputs = outputs
    self.initializers = initializers
    self.valueInfo = valueInfo
    self.docString = docString
    self.metadataProps = metadataProps
  }

  /// Graph inputs that are not also initializers (IR < 4 lists every initializer as an input too).
  public var runtimeInputs: [ValueInfo] { inputs.filter { !initializers.contains($0.name) } }

  /// Count of nodes per op type, including nodes inside subgraphs when `recursive`.
  public func opCounts(recursive: Bool = false) -> [String: Int] {
    var counts: [String: Int] = [:]
    for node in nodes {
      counts[node.opType, default: 0] += 1
      if recursive {
        for sub in node.subgraphs { counts.merge(sub.opCounts(recursive: true), uniquingKeysWith: +) }
      }
    }
    return counts
  }

  /// The declared type of `name` from inputs, outputs or `value_info`, or an initializer's type.
  public func valueType(of name: String) -> ValueInfo? {
    if let tensor = initializers[name] {
      return ValueInfo(name: name, elementType: tensor.dtype, shape: tensor.shape.map { .fixed($0) })
    }
    return inputs.first { $0.name == name } ?? valueInfo.first { $0.name == name } ?? outputs.first { $0.name == name }
  }

  /// The initializer `name`, or an error naming the tensor (and the node that needs it, when given).
  public func requireInitializer(_ name: String, for node: Node? = nil) throws(GraphError) -> Tensor {
    if let tensor = initializers[name] { return tensor }
    let user = node.map { " needed by node \($0.label)" } ?? ""
    throw GraphError(.missingInitializer, "initializer '\(name)'\(user) is missing")
  }
}
