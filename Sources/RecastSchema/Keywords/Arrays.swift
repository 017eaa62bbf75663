internal import RecastYAML

/// `maxItems`, `minItems` and `uniqueItems`.
extension Evaluator {
  mutating func checkItemCount(_ limit: Int, isMaximum: Bool, _ id: SchemaID, _ node: Node) -> Bool {
    guard let items = node.sequence else { return true }
    if isMaximum ? items.count <= limit : items.count >= limit { return true }
    report(
      isMaximum ? "maxItems" : "minItems", id, node,
      "\(path.subject) must have at \(isMaximum ? "most" : "least") \(limit) item\(limit == 1 ? "" : "s"); "
        + "found \(items.count)")
    return false
  }

  mutating func checkUniqueItems(_ id: SchemaID, _ node: Node) -> Bool {
    guard let items = node.sequence, items.count > 1 else { return true }
    // Bucket by a cheap key so that only plausible duplicates are compared in full.
    var buckets: [String: [Int]] = [:]
    for (j, item) in items.enumerated() {
      let key = Self.bucketKey(item)
      for i in buckets[key, default: []] where items[i].jsonEquals(item) {
        report(
          "uniqueItems", id, item, "\(path.subject) must not contain duplicates; item \(j) repeats item \(i)")
        return false
      }
      buckets[key, default: []].append(j)
    }
    return true
  }

  /// Equal values (in the JSON data model) always get equal keys.
  static func bucketKey(_ node: Node) -> String {
    switch node.kind {
    case .sequence(let items): return "a\(items.count)"
    case .mapping(let pairs): return "o\(Set(pairs.compactMap(\.key.keyString)).sorted().joined(separator: ","))"
    case .scalar(let scalar):
      switch scalar.value {
      case .null: return "n"
      case .bool(let b): return b ? "t" : "f"
      case .string(let s): return "s" + s
      case .int(let i): return "d\(Double(i))"
      case .float(let d): return "d\(d)"
      }
    }
  }
}
