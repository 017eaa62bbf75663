internal import RecastDiagnostics
internal import RecastYAML

extension Compiler {
  /// Compiles the keywords of one pending subschema into its unit.
  func compileKeywords(_ p: Pending) {
    guard units[p.id].constant == nil, let mapping = p.node.mapping else { return }
    let vocabularies = p.vocabularies
    var keywords: [Keyword] = []
    var last: [Keyword] = []
    let location = units[p.id].location
    func child(_ tokens: String...) -> SchemaID? {
      byLocation[location + tokens.map { "/" + JSONPointer.escape($0) }.joined()]
    }
    func children(_ keyword: String, _ value: Node) -> [SchemaID]? {
      guard let items = value.sequence, !items.isEmpty else {
        invalid("'\(keyword)' must be a non-empty array of schemas", at: value)
        return nil
      }
      return items.indices.compactMap { child(keyword, String($0)) }
    }
    var objects = ObjectApplicator()
    var hasObjects = false

    for pair in mapping {
      guard let keyword = pair.key.keyString else { continue }
      let value = pair.value
      switch keyword {
      case "$ref":
        guard let reference = value.string else {
          invalid("'$ref' must be a string", at: value)
          continue
        }
        if let target = resolve(reference, base: p.base) {
          keywords.append(.ref(target))
        } else {
          invalid("cannot resolve '$ref' '\(reference)'", at: value)
        }
      case "$dynamicRef":
        guard let reference = value.string else {
          invalid("'$dynamicRef' must be a string", at: value)
          continue
        }
        guard let target = resolve(reference, base: p.base) else {
          invalid("cannot resolve '$dynamicRef' '\(reference)'", at: value)
          continue
        }
        let fragment = URI.split(reference).fragment.map(URI.percentDecode)
        let anchor = fragment.flatMap { name in
          !name.hasPrefix("/") && units[target].node["$dynamicAnchor"]?.string == name ? name : nil
        }
        keywords.append(.dynamicRef(target, anchor: anchor))
      default:
        if vocabularies.contains(.validation), let compiled = compileValidation(keyword, value, p.node) {
          keywords.append(compiled)
        } else if vocabularies.contains(.applicator) {
          switch keyword {
          case "allOf": if let ids = children(keyword, value) { keywords.append(.allOf(ids)) }
          case "anyOf": if let ids = children(keyword, value) { keywords.append(.anyOf(ids)) }
          case "oneOf": if let ids = children(keyword, value) { keywords.append(.oneOf(ids)) }
          case "not": if let id = child(keyword) { keywords.append(.not(id)) }
          case "if":
            if let id = child("if") { keywords.append(.conditional(if: id, then: child("then"), else: child("else"))) }
          case "dependentSchemas":
            guard let entries = value.mapping else {
              invalid("'dependentSchemas' must be an object", at: value)
              continue
            }
            let list = entries.compactMap { entry -> (key: String, schema: SchemaID)? in
              guard let name = entry.key.keyString, let id = child(keyword, name) else { return nil }
              return (name, id)
            }
            keywords.append(.dependentSchemas(list))
          case "properties":
            guard let entries = value.mapping else {
              invalid("'properties' must be an object", at: value)
              continue
            }
            hasObjects = true
            objects.hasProperties = true
            for entry in entries {
              if let name = entry.key.keyString, let id = child(keyword, name) { objects.properties[name] = id }
            }
          case "patternProperties":
            guard let entries = value.mapping else {
              invalid("'patternProperties' must be an object", at: value)
              continue
            }
            hasObjects = true
            objects.hasPatterns = true
            for entry in entries {
              guard let source = entry.key.keyString, let id = child(keyword, source) else { continue }
              do {
                objects.patterns.append((try ECMARegex(source), id))
              } catch {
                invalid(error.message, at: entry.key)
              }
            }
          case "additionalProperties":
            hasObjects = true
            objects.additional = child(keyword)
          case "propertyNames": if let id = child(keyword) { keywords.append(.propertyNames(id)) }
          case "prefixItems": if let ids = children(keyword, value) { keywords.append(.prefixItems(ids)) }
          case "items":
            if let id = child(keyword) {
              keywords.append(.items(id, from: p.node["prefixItems"]?.sequence?.count ?? 0))
            }
          case "contains":
            guard let id = child(keyword) else { continue }
            var minimum = 1
            var maximum: Int? = nil
            if vocabularies.contains(.validation) {
              if let node = p.node["minContains"] { minimum = nonNegativeInteger("minContains", node) ?? 1 }
              if let node = p.node["maxContains"] { maximum = nonNegativeInteger("maxContains", node) }
            }
            keywords.append(.contains(id, min: minimum, max: maximum))
          default: break
          }
        }
        if vocabularies.contains(.unevaluated) {
          switch keyword {
          case "unevaluatedProperties": if let id = child(keyword) { last.append(.unevaluatedProperties(id)) }
          case "unevaluatedItems": if let id = child(keyword) { last.append(.unevaluatedItems(id)) }
          default: break
          }
        }
      }
    }
    if hasObjects { keywords.append(.objectProperties(objects)) }
    units[p.id].needsAnnotations = !last.isEmpty
    units[p.id].keywords = keywords + last
  }

  /// Compiles one keyword of the validation vocabulary, or nil when `keyword` is not one (or is invalid).
  func compileValidation(_ keyword: String, _ value: Node, _ schema: Node) -> Keyword? {
    switch keyword {
    case "type":
      var types: JSONTypes = []
      let names = value.sequence.map { $0.map(\.string) } ?? [value.string]
      for name in names {
        guard let name, let type = JSONTypes(name: name) else {
          invalid("'type' must be a type name or an array of them", at: value)
          return nil
        }
        types.insert(type)
      }
      return .type(types)
    case "enum":
      guard let values = value.sequence else {
        invalid("'enum' must be an array", at: value)
        return nil
      }
      return .enumeration(values)
    case "const": return .constant(value)
    case "multipleOf":
      guard let number = number(keyword, value), number.asDouble > 0 else {
        invalid("'multipleOf' must be a number greater than 0", at: value)
        return nil
      }
      return .multipleOf(number)
    case "maximum": return number(keyword, value).map(Keyword.maximum)
    case "exclusiveMaximum": return number(keyword, value).map(Keyword.exclusiveMaximum)
    case "minimum": return number(keyword, value).map(Keyword.minimum)
    case "exclusiveMinimum": return number(keyword, value).map(Keyword.exclusiveMinimum)
    case "maxLength": return nonNegativeInteger(keyword, value).map(Keyword.maxLength)
    case "minLength": return nonNegativeInteger(keyword, value).map(Keyword.minLength)
    case "pattern":
      guard let source = value.string else {
        invalid("'pattern' must be a string", at: value)
        return nil
      }
      do {
        return .pattern(try ECMARegex(source))
      } catch {
        invalid(error.message, at: value)
        return nil
      }
    case "maxItems": return nonNegativeInteger(keyword, value).map(Keyword.maxItems)
    case "minItems": return nonNegativeInteger(keyword, value).map(Keyword.minItems)
    case "uniqueItems":
      guard case .bool(let unique)? = value.scalar?.value else {
        invalid("'uniqueItems' must be a boolean", at: value)
        return nil
      }
      return unique ? .uniqueItems : nil
    case "maxProperties": return nonNegativeInteger(keyword, value).map(Keyword.maxProperties)
    case "minProperties": return nonNegativeInteger(keyword, value).map(Keyword.minProperties)
    case "required":
      guard let names = stringArray(value) else {
        invalid("'required' must be an array of strings", at: value)
        return nil
      }
      return .required(names)
    case "dependentRequired":
      guard let entries = value.mapping else {
        invalid("'dependentRequired' must be an object", at: value)
        return nil
      }
      var list: [(key: String, required: [String])] = []
      for entry in entries {
        guard let key = entry.key.keyString, let names = stringArray(entry.value) else {
          invalid("'dependentRequired' values must be arrays of strings", at: entry.value)
          continue
        }
        list.append((key, names))
      }
      return .dependentRequired(list)
    default: return nil
    }
  }

  func number(_ keyword: String, _ value: Node) -> ScalarValue? {
    switch value.scalar?.value {
    case .int(let i)?: return .int(i)
    case .float(let d)?: return .float(d)
    default:
      invalid("'\(keyword)' must be a number", at: value)
      return nil
    }
  }

  func nonNegativeInteger(_ keyword: String, _ value: Node) -> Int? {
    switch value.scalar?.value {
    case .int(let i)? where i >= 0: return i
    case .float(let d)? where d >= 0 && d == d.rounded(): return Int(exactly: d) ?? Int.max
    default:
      invalid("'\(keyword)' must be a non-negative integer", at: value)
      return nil
    }
  }

  func stringArray(_ value: Node) -> [String]? {
    guard let items = value.sequence else { return nil }
    let strings = items.compactMap(\.string)
    return strings.count == items.count ? strings : nil
  }
}
