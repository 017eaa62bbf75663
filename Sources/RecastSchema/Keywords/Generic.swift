internal import RecastDiagnostics
internal import RecastYAML

/// `type`, `enum` and `const`.
extension Evaluator {
  mutating func checkType(_ types: JSONTypes, _ id: SchemaID, _ node: Node) -> Bool {
    if types.matches(node) { return true }
    guard collectErrors else { return false }
    let names = types.nameList
    report(
      "type", id, node, "expected \(Self.joinedTypes(names)), found \(node.typeName)", expectedTypes: names)
    return false
  }

  /// `string`, `string or object`, `string, array or object`.
  static func joinedTypes(_ names: [String]) -> String {
    guard names.count > 1 else { return names.first ?? "nothing" }
    return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
  }

  mutating func checkEnum(_ values: [Node], _ id: SchemaID, _ node: Node) -> Bool {
    for value in values where value.jsonEquals(node) { return true }
    guard collectErrors else { return false }
    let listed = values.map(Rendering.listed)
    report(
      "enum", id, node, "\(path.subject) must be one of \(Rendering.list(listed)); found \(Rendering.found(node))",
      help: node.string.flatMap { Suggestion.didYouMean($0, among: values.compactMap(\.string)) }, allowed: listed)
    return false
  }

  mutating func checkConst(_ value: Node, _ id: SchemaID, _ node: Node) -> Bool {
    if value.jsonEquals(node) { return true }
    guard collectErrors else { return false }
    report(
      "const", id, node, "\(path.subject) must be \(Rendering.expected(value)); found \(Rendering.found(node))",
      help: node.string.flatMap { Suggestion.didYouMean($0, among: value.string.map { [$0] } ?? []) },
      allowed: [Rendering.listed(value)])
    return false
  }
}

extension JSONTypes {
  /// True when `node`'s JSON type is in the set (`integer` accepts floats with no fractional part).
  func matches(_ node: Node) -> Bool {
    switch node.kind {
    case .sequence: return contains(.array)
    case .mapping: return contains(.object)
    case .scalar(let scalar):
      switch scalar.value {
      case .null: return contains(.null)
      case .bool: return contains(.boolean)
      case .string: return contains(.string)
      case .int: return contains(.number) || contains(.integer)
      case .float: return contains(.number) || (contains(.integer) && scalar.value.isInteger)
      }
    }
  }
}
