internal import RecastYAML

/// `maxLength`, `minLength` and `pattern`.
extension Evaluator {
  /// Lengths count Unicode code points, as JSON Schema requires.
  mutating func checkLength(_ limit: Int, isMaximum: Bool, _ id: SchemaID, _ node: Node) -> Bool {
    guard let string = node.string else { return true }
    let length = string.unicodeScalars.count
    if isMaximum ? length <= limit : length >= limit { return true }
    report(
      isMaximum ? "maxLength" : "minLength", id, node,
      "\(path.subject) must be at \(isMaximum ? "most" : "least") \(limit) character\(limit == 1 ? "" : "s") long; "
        + "found \(length)")
    return false
  }

  mutating func checkPattern(_ regex: ECMARegex, _ id: SchemaID, _ node: Node) -> Bool {
    guard let string = node.string, !regex.matches(string) else { return true }
    report(
      "pattern", id, node, "\(path.subject) must match the pattern '\(regex.source)'; found \(Rendering.found(node))")
    return false
  }
}
