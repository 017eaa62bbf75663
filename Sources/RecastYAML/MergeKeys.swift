import RecastDiagnostics

/// Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`) to a finished mapping.
///
/// Follows the merge-key spec (https://yaml.org/type/merge.html): keys written in the mapping itself win over
/// merged ones, and in a sequence of mappings an earlier mapping wins over a later one. Merged pairs take the
/// place of the `<<` entry, in the order of the mappings they come from. Merged keys never count as
/// duplicates. Only a plain, untagged (or `!!merge`-tagged) `<<` key merges; `"<<"` is an ordinary key.
enum MergeKeys {
  /// True when `key` is a merge key.
  static func isMergeKey(_ key: Node) -> Bool {
    guard key.style == .plain, key.tag == nil || key.tag == "!!merge", let scalar = key.scalar else { return false }
    return scalar.text == "<<"
  }

  /// The mapping's pairs with every merge key replaced by the pairs it brings in.
  static func apply(to pairs: [Pair]) throws(DiagnosticError) -> [Pair] {
    guard pairs.contains(where: { isMergeKey($0.key) }) else { return pairs }
    var taken = Set<String>()
    for pair in pairs where !isMergeKey(pair.key) {
      if let key = pair.key.keyString { taken.insert(key) }
    }
    var result: [Pair] = []
    result.reserveCapacity(pairs.count)
    for pair in pairs {
      guard isMergeKey(pair.key) else {
        result.append(pair)
        continue
      }
      for source in try sources(of: pair.value) {
        for merged in source {
          guard let key = merged.key.keyString else {
            result.append(merged)
            continue
          }
          if taken.insert(key).inserted { result.append(merged) }
        }
      }
    }
    return result
  }

  /// The mappings a merge value names: itself if it is a mapping, or each element of a sequence of mappings.
  private static func sources(of value: Node) throws(DiagnosticError) -> [[Pair]] {
    switch value.kind {
    case .mapping(let pairs):
      return [pairs]
    case .sequence(let items):
      var result: [[Pair]] = []
      for item in items {
        guard let pairs = item.mapping else { throw notAMapping(item, inSequence: true) }
        result.append(pairs)
      }
      return result
    case .scalar:
      throw notAMapping(value, inSequence: false)
    }
  }

  private static func notAMapping(_ node: Node, inSequence: Bool) -> DiagnosticError {
    let found = node.mapping == nil && node.sequence != nil ? "a sequence" : "a scalar"
    let message =
      inSequence
      ? "each element of a '<<' merge sequence must be a mapping; found \(found)"
      : "a '<<' merge key needs a mapping or a sequence of mappings; found \(found)"
    return DiagnosticError(.error("yaml.merge", message, at: node.span))
  }
}
