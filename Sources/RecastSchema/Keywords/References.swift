internal import RecastYAML

/// `$dynamicRef` (`$ref` is applied directly by the evaluator).
extension Evaluator {
  /// Resolves a `$dynamicRef`: when its static target declares the matching `$dynamicAnchor`, the outermost
  /// resource in the dynamic scope that declares that anchor wins.
  mutating func dynamicRef(
    _ target: SchemaID, _ anchor: String?, _ node: Node, _ local: inout Annotations, _ gather: Bool
  ) -> Bool {
    var resolved = target
    if let anchor {
      for resource in scope {
        if let candidate = program.resources[resource].dynamicAnchors[anchor] {
          resolved = candidate
          break
        }
      }
    }
    return evaluate(resolved, node, &local, collect: gather)
  }
}
