internal import RecastYAML

/// `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else` and `dependentSchemas`.
extension Evaluator {
  mutating func allOf(_ branches: [SchemaID], _ node: Node, _ local: inout Annotations, _ gather: Bool) -> Bool {
    var valid = true
    for branch in branches where !evaluate(branch, node, &local, collect: gather) {
      valid = false
      if !collectErrors { return false }
    }
    return valid
  }

  mutating func anyOf(_ branches: [SchemaID], _ id: SchemaID, _ node: Node, _ local: inout Annotations, _ gather: Bool)
    -> Bool
  {
    var matched = false
    for branch in branches {
      var annotations = Annotations()
      if quietly({ $0.evaluate(branch, node, &annotations, collect: gather) }) {
        matched = true
        guard gather else { return true }
        local.merge(annotations)
      }
    }
    if matched { return true }
    if collectErrors { reportNoBranch("anyOf", branches, id, node) }
    return false
  }

  mutating func oneOf(_ branches: [SchemaID], _ id: SchemaID, _ node: Node, _ local: inout Annotations, _ gather: Bool)
    -> Bool
  {
    var matches: [Int] = []
    var matchedAnnotations = Annotations()
    for (i, branch) in branches.enumerated() {
      var annotations = Annotations()
      if quietly({ $0.evaluate(branch, node, &annotations, collect: gather) }) {
        matches.append(i)
        matchedAnnotations = annotations
        if matches.count > 1 && !collectErrors { return false }
      }
    }
    if matches.count == 1 {
      if gather { local.merge(matchedAnnotations) }
      return true
    }
    if matches.isEmpty {
      if collectErrors { reportNoBranch("oneOf", branches, id, node) }
      return false
    }
    let numbers = matches.map { "#\($0 + 1)" }
    report(
      "oneOf", id, node,
      "\(path.subject) matches \(numbers.count) alternatives of 'oneOf' (\(Self.joinedTypes(numbers))); "
        + "it must match exactly one")
    return false
  }

  mutating func not(_ schema: SchemaID, _ id: SchemaID, _ node: Node) -> Bool {
    guard quietly({ $0.evaluate(schema, node) }) else { return true }
    // `not: {required: [...]}` is how schemas forbid keys together; say which keys.
    let forbidden = program.units[schema].keywords.compactMap { keyword -> [String]? in
      if case .required(let keys) = keyword { return keys }
      return nil
    }.flatMap { $0 }
    if !forbidden.isEmpty, program.units[schema].keywords.count == 1 {
      let keys = forbidden.map { "'\($0)'" }.joined(separator: ", ")
      report("not", id, node, "\(path.subject) must not contain \(keys) here")
      return false
    }
    report("not", id, node, "\(path.subject) must not match the schema in 'not'; found \(Rendering.found(node))")
    return false
  }

  mutating func conditional(
    _ condition: SchemaID, _ then: SchemaID?, _ otherwise: SchemaID?, _ node: Node, _ local: inout Annotations,
    _ gather: Bool
  ) -> Bool {
    var annotations = Annotations()
    if quietly({ $0.evaluate(condition, node, &annotations, collect: gather) }) {
      if gather { local.merge(annotations) }
      guard let then else { return true }
      return evaluate(then, node, &local, collect: gather)
    }
    guard let otherwise else { return true }
    return evaluate(otherwise, node, &local, collect: gather)
  }

  mutating func dependentSchemas(
    _ list: [(key: String, schema: SchemaID)], _ node: Node, _ local: inout Annotations, _ gather: Bool
  ) -> Bool {
    guard let pairs = node.mapping else { return true }
    var valid = true
    for (key, schema) in list where pairs.contains(where: { $0.key.keyString == key }) {
      if !evaluate(schema, node, &local, collect: gather) {
        valid = false
        if !collectErrors { return false }
      }
    }
    return valid
  }
}
