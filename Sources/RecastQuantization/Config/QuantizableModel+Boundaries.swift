import RecastGraph

/// The tensors crossing a module's boundary and the parameters it owns, for `module_*_spec`.
public struct ModuleBoundary: Sendable, Hashable {
  /// A parameter of the module: its name relative to the module (`weight`, `q_proj.weight`) and its value name.
  public struct Parameter: Sendable, Hashable {
    public var name: String
    public var value: String
  }

  /// Values read inside the module but produced outside it (or graph inputs), in order of first use. Index `n` in a
  /// `module_input_spec` key is the n-th of these; an approximation of the forward() argument order.
  public var inputs: [String]
  /// Values produced inside the module and read outside it (or graph outputs), in production order.
  public var outputs: [String]
  /// Float initializers read inside the module, in order of first use.
  public var parameters: [Parameter]
}

extension QuantizableModel {
  static func boundaries(
    graph: Graph, nodeModules: [[String]], isConstant: (String) -> Bool, isFloat: (String) -> Bool
  ) -> [String: ModuleBoundary] {
    var members: [String: [Int]] = [:]
    for (index, paths) in nodeModules.enumerated() {
      for path in Set(paths) { members[path, default: []].append(index) }
    }
    let producers = graph.producerIndex()
    let consumers = graph.consumerIndex()
    let graphOutputs = Set(graph.outputs.map(\.name))
    var result: [String: ModuleBoundary] = [:]
    for (path, indices) in members {
      let inside = Set(indices)
      var inputs: [String] = []
      var outputs: [String] = []
      var parameters: [ModuleBoundary.Parameter] = []
      var seen = Set<String>()
      for index in indices.sorted() {
        let node = graph.nodes[index]
        for value in node.presentInputs where !seen.contains(value) && isFloat(value) {
          seen.insert(value)
          if graph.initializers.contains(value) {
            let prefix = path.isEmpty ? "" : path + "."
            let name = value.hasPrefix(prefix) ? String(value.dropFirst(prefix.count)) : value
            parameters.append(ModuleBoundary.Parameter(name: name, value: value))
          } else if !isConstant(value), producers[value].map({ !inside.contains($0) }) ?? true {
            inputs.append(value)
          }
        }
        for value in node.presentOutputs where isFloat(value) {
          let leaves = (consumers[value] ?? []).contains { !inside.contains($0.node) }
          if leaves || graphOutputs.contains(value) { outputs.append(value) }
        }
      }
      result[path] = ModuleBoundary(inputs: inputs, outputs: outputs, parameters: parameters)
    }
    return result
  }
}
