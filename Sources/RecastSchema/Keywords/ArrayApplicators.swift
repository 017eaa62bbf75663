internal import RecastYAML

/// `prefixItems`, `items`, `contains` (with `minContains`/`maxContains`) and `unevaluatedItems`.
extension Evaluator {
  mutating func prefixItems(_ schemas: [SchemaID], _ node: Node, _ local: inout Annotations, _ gather: Bool) -> Bool {
    guard let items = node.sequence else { return true }
    var valid = true
    for (i, (schema, item)) in zip(schemas, items).enumerated() where !evaluateChild(schema, item, at: .index(i)) {
      valid = false
      if !collectErrors { return false }
    }
    if gather { local.itemPrefix = Swift.max(local.itemPrefix, Swift.min(schemas.count, items.count)) }
    return valid
  }

  mutating func items(_ schema: SchemaID, from start: Int, _ node: Node, _ local: inout Annotations, _ gather: Bool)
    -> Bool
  {
    guard let items = node.sequence, items.count > start else { return true }
    var valid = true
    for i in start..<items.count where !evaluateChild(schema, items[i], at: .index(i)) {
      valid = false
      if !collectErrors { return false }
    }
    if gather { local.itemPrefix = Int.max }
    return valid
  }

  mutating func contains(
    _ schema: SchemaID, _ minimum: Int, _ maximum: Int?, _ id: SchemaID, _ node: Node, _ local: inout Annotations
  ) -> Bool {
    guard let items = node.sequence else { return true }
    var count = 0
    for (i, item) in items.enumerated() where quietly({ $0.evaluateChild(schema, item, at: .index(i)) }) {
      count += 1
      local.itemIndices.insert(i)
    }
    if count < minimum {
      report(
        minimum == 1 ? "contains" : "minContains", id, node,
        "\(path.subject) must contain at least \(minimum) item\(minimum == 1 ? "" : "s") matching 'contains'; "
          + "found \(count)")
      return false
    }
    if let maximum, count > maximum {
      report(
        "maxContains", id, node,
        "\(path.subject) must contain at most \(maximum) item\(maximum == 1 ? "" : "s") matching 'contains'; "
          + "found \(count)")
      return false
    }
    return true
  }

  mutating func unevaluatedItems(_ schema: SchemaID, _ node: Node, _ local: inout Annotations) -> Bool {
    guard let items = node.sequence else { return true }
    var valid = true
    for (i, item) in items.enumerated() where !local.isItemEvaluated(i) && !evaluateChild(schema, item, at: .index(i)) {
      valid = false
      if !collectErrors { return false }
    }
    if valid { local.itemPrefix = Int.max }
    return valid
  }
}
