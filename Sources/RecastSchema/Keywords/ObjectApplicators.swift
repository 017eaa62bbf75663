internal import RecastDiagnostics
internal import RecastYAML

/// `properties`, `patternProperties`, `additionalProperties`, `propertyNames` and `unevaluatedProperties`.
extension Evaluator {
  mutating func objectProperties(
    _ applicator: ObjectApplicator, _ id: SchemaID, _ node: Node, _ local: inout Annotations, _ gather: Bool
  ) -> Bool {
    guard let pairs = node.mapping else { return true }
    var valid = true
    for pair in pairs {
      guard let key = pair.key.keyString else { continue }
      var matched = false
      if let schema = applicator.properties[key] {
        matched = true
        if gather { local.properties.insert(key) }
        if !applyToProperty(schema, "properties", key, pair, id) {
          valid = false
          if !collectErrors { return false }
        }
      }
      for (regex, schema) in applicator.patterns where regex.matches(key) {
        matched = true
        if gather { local.properties.insert(key) }
        if !applyToProperty(schema, "patternProperties", key, pair, id) {
          valid = false
          if !collectErrors { return false }
        }
      }
      if !matched, let schema = applicator.additional {
        if gather { local.properties.insert(key) }
        if !applyToProperty(schema, "additionalProperties", key, pair, id) {
          valid = false
          if !collectErrors { return false }
        }
      }
    }
    return valid
  }

  /// Applies a property's subschema to its value. A `false` subschema reports the key as not allowed,
  /// pointing at the key.
  private mutating func applyToProperty(
    _ schema: SchemaID, _ keyword: String, _ key: String, _ pair: Pair,
    _ id: SchemaID
  ) -> Bool {
    if program.units[schema].constant == false {
      if collectErrors { reportForbiddenKey(keyword, key, pair, id) }
      return false
    }
    return evaluateChild(schema, pair.value, at: .key(key))
  }

  /// "unknown key 'x' in a.b" (or "key 'x' is not allowed") at the key, with a did-you-mean over the keys
  /// the schema allows.
  mutating func reportForbiddenKey(_ keyword: String, _ key: String, _ pair: Pair, _ id: SchemaID) {
    path.append(.key(key))
    defer { path.removeLast() }
    let parent = Array(path.dropLast())
    if keyword == "properties" {
      report(keyword, id, pair.value, "key '\(key)' is not allowed in \(parent.display)", span: pair.key.span)
      return
    }
    let known = knownKeys(id)
    let help =
      Suggestion.didYouMean(key, among: known.names)
      ?? (known.names.isEmpty && known.patterns.isEmpty
        ? nil
        : {
          let listed = known.names + known.patterns.map { "/\($0)/" }
          return "allowed keys: \(Rendering.list(listed, limit: 15))"
        }())
    report(keyword, id, pair.value, "unknown key '\(key)' in \(parent.display)", help: help, span: pair.key.span)
  }

  /// The property names and patterns that schema `id` (and the schemas it applies in place) declares.
  func knownKeys(_ id: SchemaID) -> (names: [String], patterns: [String]) {
    var names: [String] = []
    var patterns: [String] = []
    var visited: Set<SchemaID> = []
    var queue = [id]
    while let next = queue.popLast(), visited.count < 200 {
      guard visited.insert(next).inserted else { continue }
      for keyword in program.units[next].keywords {
        switch keyword {
        case .objectProperties(let applicator):
          let declared = program.units[next].node["properties"]?.mapping?.compactMap(\.key.keyString) ?? []
          for name in declared where !names.contains(name) { names.append(name) }
          for (regex, _) in applicator.patterns where !patterns.contains(regex.source) { patterns.append(regex.source) }
        case .ref(let target), .dynamicRef(let target, _): queue.append(target)
        case .allOf(let branches), .anyOf(let branches), .oneOf(let branches): queue.append(contentsOf: branches)
        case .conditional(_, let then, let otherwise):
          if let then { queue.append(then) }
          if let otherwise { queue.append(otherwise) }
        case .dependentSchemas(let list): queue.append(contentsOf: list.map(\.schema))
        default: break
        }
      }
    }
    return (names, patterns)
  }

  mutating func propertyNames(_ schema: SchemaID, _ node: Node) -> Bool {
    guard let pairs = node.mapping else { return true }
    var valid = true
    for pair in pairs {
      guard let key = pair.key.keyString else { continue }
      var name = pair.key
      if name.string == nil { name.kind = .scalar(Scalar(text: key, value: .string(key))) }
      if !evaluateChild(schema, name, at: .key(key)) {
        valid = false
        if !collectErrors { return false }
      }
    }
    return valid
  }

  mutating func unevaluatedProperties(_ schema: SchemaID, _ id: SchemaID, _ node: Node, _ local: inout Annotations)
    -> Bool
  {
    guard let pairs = node.mapping else { return true }
    var valid = true
    for pair in pairs {
      guard let key = pair.key.keyString, !local.properties.contains(key) else { continue }
      if program.units[schema].constant == false {
        valid = false
        guard collectErrors else { return false }
        reportForbiddenKey("unevaluatedProperties", key, pair, id)
        continue
      }
      if !evaluateChild(schema, pair.value, at: .key(key)) {
        valid = false
        if !collectErrors { return false }
      }
    }
    if valid { for pair in pairs { if let key = pair.key.keyString { local.properties.insert(key) } } }
    return valid
  }
}
