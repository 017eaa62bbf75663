extension Node {
  /// Equality in the JSON data model, ignoring spans, tags and styles: numbers compare mathematically
  /// (`1 == 1.0`), objects compare as unordered key/value sets (the last value of a repeated key counts),
  /// arrays compare in order.
  public func jsonEquals(_ other: Node) -> Bool {
    switch (kind, other.kind) {
    case (.scalar(let a), .scalar(let b)):
      return a.value.jsonEquals(b.value)
    case (.sequence(let a), .sequence(let b)):
      guard a.count == b.count else { return false }
      for (x, y) in zip(a, b) where !x.jsonEquals(y) { return false }
      return true
    case (.mapping(let a), .mapping(let b)):
      let left = Self.lastValues(a)
      let right = Self.lastValues(b)
      guard let left, let right, left.count == right.count else { return false }
      for (key, value) in left {
        guard let match = right[key], value.jsonEquals(match) else { return false }
      }
      return true
    default:
      return false
    }
  }

  /// Key → value, the last value winning for a repeated key; nil when a key is not a scalar.
  private static func lastValues(_ pairs: [Pair]) -> [String: Node]? {
    var result: [String: Node] = [:]
    result.reserveCapacity(pairs.count)
    for pair in pairs {
      guard let key = pair.key.keyString else { return nil }
      result[key] = pair.value
    }
    return result
  }
}

extension ScalarValue {
  /// JSON equality of scalar values; an integer equals a float of the same mathematical value.
  public func jsonEquals(_ other: ScalarValue) -> Bool {
    switch (self, other) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    // Strings compare by code points (JSON), not by Swift's canonical equivalence.
    case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
    case (.int(let a), .int(let b)): return a == b
    case (.float(let a), .float(let b)): return a == b
    case (.int(let a), .float(let b)), (.float(let b), .int(let a)): return Int(exactly: b) == a
    default: return false
    }
  }
}
