internal import RecastYAML

/// The kinds of numeric bound.
enum BoundKind {
  case maximum, exclusiveMaximum, minimum, exclusiveMinimum
}

/// `multipleOf`, `maximum`, `exclusiveMaximum`, `minimum`, `exclusiveMinimum`.
extension Evaluator {
  mutating func checkMultipleOf(_ divisor: ScalarValue, _ id: SchemaID, _ node: Node) -> Bool {
    guard let value = node.scalar?.value, value.number != nil else { return true }
    if value.isMultiple(of: divisor) { return true }
    report(
      "multipleOf", id, node,
      "\(path.subject) must be a multiple of \(Self.text(divisor)); found \(Rendering.found(node))")
    return false
  }

  mutating func checkBound(_ bound: ScalarValue, _ kind: BoundKind, _ id: SchemaID, _ node: Node) -> Bool {
    guard let value = node.scalar?.value, let order = ScalarValue.compareNumbers(value, bound) else { return true }
    let (ok, phrase, keyword): (Bool, String, String) =
      switch kind {
      case .maximum: (order <= 0, "at most", "maximum")
      case .exclusiveMaximum: (order < 0, "less than", "exclusiveMaximum")
      case .minimum: (order >= 0, "at least", "minimum")
      case .exclusiveMinimum: (order > 0, "greater than", "exclusiveMinimum")
      }
    if ok { return true }
    report(keyword, id, node, "\(path.subject) must be \(phrase) \(Self.text(bound)); found \(Rendering.found(node))")
    return false
  }

  static func text(_ number: ScalarValue) -> String {
    switch number {
    case .int(let i): String(i)
    case .float(let d): "\(d)"
    default: "?"
    }
  }
}
