internal import RecastDiagnostics
internal import RecastYAML

/// `maxProperties`, `minProperties`, `required` and `dependentRequired`.
extension Evaluator {
  mutating func checkPropertyCount(_ limit: Int, isMaximum: Bool, _ id: SchemaID, _ node: Node) -> Bool {
    guard let pairs = node.mapping else { return true }
    if isMaximum ? pairs.count <= limit : pairs.count >= limit { return true }
    report(
      isMaximum ? "maxProperties" : "minProperties", id, node,
      "\(path.subject) must have at \(isMaximum ? "most" : "least") \(limit) key\(limit == 1 ? "" : "s"); "
        + "found \(pairs.count)")
    return false
  }

  mutating func checkRequired(_ names: [String], _ id: SchemaID, _ node: Node) -> Bool {
    guard let pairs = node.mapping else { return true }
    var valid = true
    for name in names where !pairs.contains(where: { $0.key.keyString == name }) {
      valid = false
      guard collectErrors else { return false }
      reportMissing(name, keyword: "required", id, node, pairs, because: nil)
    }
    return valid
  }

  mutating func checkDependentRequired(_ list: [(key: String, required: [String])], _ id: SchemaID, _ node: Node)
    -> Bool
  {
    guard let pairs = node.mapping else { return true }
    var valid = true
    for (key, names) in list where pairs.contains(where: { $0.key.keyString == key }) {
      for name in names where !pairs.contains(where: { $0.key.keyString == name }) {
        valid = false
        guard collectErrors else { return false }
        reportMissing(name, keyword: "dependentRequired", id, node, pairs, because: key)
      }
    }
    return valid
  }

  /// "missing required key 'x'" at the object, with a hint when a present key looks like a misspelling of it.
  private mutating func reportMissing(
    _ name: String, keyword: String, _ id: SchemaID, _ node: Node, _ pairs: [Pair], because key: String?
  ) {
    let present = pairs.compactMap(\.key.keyString)
    let typo = suggestions(for: name, among: present).first
    let reason = key.map { " (required when '\($0)' is present)" } ?? ""
    let where_ = path.isEmpty ? "" : " in \(path.display)"
    report(
      keyword, id, node, "missing required key '\(name)'\(where_)\(reason)",
      help: typo.map { "is '\($0)' a misspelling of '\(name)'?" })
  }
}
