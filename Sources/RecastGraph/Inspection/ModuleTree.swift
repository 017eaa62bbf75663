import RecastTensor

/// The source model's module hierarchy as the exporter recorded it, with the ops each module owns:
/// what a recipe author needs to write `module_name_configs`, `module_type_configs` and op selectors.
///
/// Modules come from each node's `moduleScope()` (dynamo metadata or TorchScript-style node names).
/// A dotted path `layer1.0.bn1` nests under `layer1.0` and `layer1`; parents that own no op directly
/// still appear, so the tree is complete. Nodes without scope information belong to the root (`""`).
public struct ModuleTree: Sendable {
  /// One op (graph node) as a recipe names it.
  public struct Op: Sendable, Hashable {
    public var name: String
    public var opType: String
    /// Number of elements in the float initializers this op reads (its weights, biases, statistics).
    public var parameters: Int
  }

  /// One module: its dotted path, its class when known, the ops it owns directly, and its subtree's parameters.
  public struct Module: Sendable, Hashable {
    public var path: String
    public var type: String?
    public var ops: [Op]
    /// Parameters of this module's own ops and all of its descendants'.
    public var parameters: Int
    /// Nesting depth: 0 for the root, 1 for top-level modules.
    public var depth: Int
  }

  /// Modules in depth-first order (parents before children, siblings in graph order).
  public var modules: [Module]

  public init(graph: Graph) {
    var order: [String] = [""]
    var types: [String: String] = [:]
    var ops: [String: [Op]] = [:]
    var seen: Set<String> = [""]
    func register(_ path: String) {
      guard !seen.contains(path) else { return }
      let parent = Self.parent(of: path)
      register(parent)
      seen.insert(path)
      order.append(path)
    }
    for node in graph.nodes {
      let scope = node.moduleScope()
      let path = scope?.path ?? ""
      register(path)
      if let type = scope?.type, types[path] == nil { types[path] = type }
      let parameters = node.inputs.reduce(0) { total, input in
        guard let tensor = graph.initializers[input], tensor.dtype.isFloatingPoint else { return total }
        return total + tensor.count
      }
      ops[path, default: []].append(Op(name: node.name, opType: node.opType, parameters: parameters))
    }
    // Depth-first order: children grouped under their parent, each group in first-seen order.
    var children: [String: [String]] = [:]
    for path in order where !path.isEmpty { children[Self.parent(of: path), default: []].append(path) }
    var result: [Module] = []
    func visit(_ path: String, depth: Int) -> Int {
      let index = result.count
      let own = ops[path] ?? []
      result.append(Module(path: path, type: types[path], ops: own, parameters: 0, depth: depth))
      var total = own.reduce(0) { $0 + $1.parameters }
      for child in children[path] ?? [] { total += visit(child, depth: depth + 1) }
      result[index].parameters = total
      return total
    }
    _ = visit("", depth: 0)
    modules = result
  }

  /// `a.b.c` → `a.b`; a top-level module's parent is the root `""`.
  static func parent(of path: String) -> String {
    guard let dot = path.lastIndex(of: ".") else { return "" }
    return String(path[..<dot])
  }
}
