internal import RecastDiagnostics
internal import RecastYAML

/// What subschemas have evaluated, for `unevaluatedProperties` and `unevaluatedItems`.
struct Annotations {
  /// Property names some `properties`, `patternProperties`, `additionalProperties` or
  /// `unevaluatedProperties` evaluated.
  var properties: Set<String> = []
  /// Items `[0, itemPrefix)` were evaluated (`Int.max`: all of them).
  var itemPrefix = 0
  /// Items `contains` matched.
  var itemIndices: Set<Int> = []

  mutating func merge(_ other: Annotations) {
    if !other.properties.isEmpty { properties.formUnion(other.properties) }
    itemPrefix = Swift.max(itemPrefix, other.itemPrefix)
    if !other.itemIndices.isEmpty { itemIndices.formUnion(other.itemIndices) }
  }

  func isItemEvaluated(_ index: Int) -> Bool { index < itemPrefix || itemIndices.contains(index) }
}

/// Applies a ``Program`` to an instance.
///
/// Two modes: quiet (`collectErrors == false`) stops at the first failure and builds no messages; collecting
/// evaluates everything and records a ``ValidationError`` per failure. Subschemas whose outcome is discarded
/// (`not`, `if`, `contains`, the branches of `anyOf`/`oneOf`) are evaluated quietly.
struct Evaluator {
  /// Most subschemas applied in place to one value before giving up: a `$ref` cycle that never moves into the
  /// instance would otherwise recurse forever.
  static let maxInPlaceDepth = 128
  /// Deepest nesting of evaluations overall, so that a hostile instance cannot exhaust the stack.
  static let maxDepth = 3000

  let program: Program
  var collectErrors: Bool
  var errors: [ValidationError] = []
  /// The instance path, maintained only while collecting errors.
  var path: [PathComponent] = []
  /// Dynamic scope: the resources entered, outermost first.
  var scope: [Int] = []
  var depth = 0
  /// Evaluations nested on the current value (reset when moving to a child value).
  var inPlaceDepth = 0

  init(program: Program, collectErrors: Bool) {
    self.program = program
    self.collectErrors = collectErrors
  }

  /// Evaluates subschema `id` against `node`. When `collect` is true, the annotations of a successful
  /// evaluation are merged into `annotations`.
  mutating func evaluate(_ id: SchemaID, _ node: Node, _ annotations: inout Annotations, collect: Bool) -> Bool {
    let unit = program.units[id]
    if let constant = unit.constant {
      if !constant && collectErrors { report("false", id, node, "\(path.subject) is not allowed here") }
      return constant
    }
    if inPlaceDepth >= Self.maxInPlaceDepth || depth >= Self.maxDepth {
      let message =
        inPlaceDepth >= Self.maxInPlaceDepth
        ? "more than \(Self.maxInPlaceDepth) subschemas apply to one value (a '$ref' cycle?)"
        : "the value is nested too deeply to validate (more than \(Self.maxDepth) levels of subschemas)"
      if collectErrors { report("depth-limit", id, node, message) }
      return false
    }
    depth += 1
    inPlaceDepth += 1
    let pushed = scope.last != unit.resource
    if pushed { scope.append(unit.resource) }
    defer {
      depth -= 1
      inPlaceDepth -= 1
      if pushed { scope.removeLast() }
    }
    let gather = collect || unit.needsAnnotations
    var local = Annotations()
    var valid = true
    for keyword in unit.keywords where !apply(keyword, id, node, &local, gather) {
      valid = false
      if !collectErrors { return false }
    }
    if valid && collect { annotations.merge(local) }
    return valid
  }

  /// Evaluates `id` without annotations.
  mutating func evaluate(_ id: SchemaID, _ node: Node) -> Bool {
    var none = Annotations()
    return evaluate(id, node, &none, collect: false)
  }

  /// Applies one keyword of subschema `id`.
  mutating func apply(_ keyword: Keyword, _ id: SchemaID, _ node: Node, _ local: inout Annotations, _ gather: Bool)
    -> Bool
  {
    switch keyword {
    case .ref(let target): return evaluate(target, node, &local, collect: gather)
    case .dynamicRef(let target, let anchor): return dynamicRef(target, anchor, node, &local, gather)
    case .type(let types): return checkType(types, id, node)
    case .enumeration(let values): return checkEnum(values, id, node)
    case .constant(let value): return checkConst(value, id, node)
    case .multipleOf(let divisor): return checkMultipleOf(divisor, id, node)
    case .maximum(let bound): return checkBound(bound, .maximum, id, node)
    case .exclusiveMaximum(let bound): return checkBound(bound, .exclusiveMaximum, id, node)
    case .minimum(let bound): return checkBound(bound, .minimum, id, node)
    case .exclusiveMinimum(let bound): return checkBound(bound, .exclusiveMinimum, id, node)
    case .maxLength(let limit): return checkLength(limit, isMaximum: true, id, node)
    case .minLength(let limit): return checkLength(limit, isMaximum: false, id, node)
    case .pattern(let regex): return checkPattern(regex, id, node)
    case .maxItems(let limit): return checkItemCount(limit, isMaximum: true, id, node)
    case .minItems(let limit): return checkItemCount(limit, isMaximum: false, id, node)
    case .uniqueItems: return checkUniqueItems(id, node)
    case .maxProperties(let limit): return checkPropertyCount(limit, isMaximum: true, id, node)
    case .minProperties(let limit): return checkPropertyCount(limit, isMaximum: false, id, node)
    case .required(let names): return checkRequired(names, id, node)
    case .dependentRequired(let list): return checkDependentRequired(list, id, node)
    case .allOf(let branches): return allOf(branches, node, &local, gather)
    case .anyOf(let branches): return anyOf(branches, id, node, &local, gather)
    case .oneOf(let branches): return oneOf(branches, id, node, &local, gather)
    case .not(let schema): return not(schema, id, node)
    case .conditional(let condition, let then, let otherwise):
      return conditional(condition, then, otherwise, node, &local, gather)
    case .dependentSchemas(let list): return dependentSchemas(list, node, &local, gather)
    case .objectProperties(let applicator): return objectProperties(applicator, id, node, &local, gather)
    case .propertyNames(let schema): return propertyNames(schema, node)
    case .unevaluatedProperties(let schema): return unevaluatedProperties(schema, id, node, &local)
    case .prefixItems(let schemas): return prefixItems(schemas, node, &local, gather)
    case .items(let schema, let from): return items(schema, from: from, node, &local, gather)
    case .contains(let schema, let minimum, let maximum): return contains(schema, minimum, maximum, id, node, &local)
    case .unevaluatedItems(let schema): return unevaluatedItems(schema, node, &local)
    }
  }

  // MARK: helpers

  /// Runs `body` in quiet mode (no error collection), restoring the mode afterwards.
  mutating func quietly<T>(_ body: (inout Evaluator) -> T) -> T {
    let saved = collectErrors
    collectErrors = false
    defer { collectErrors = saved }
    return body(&self)
  }

  /// Runs `body` collecting errors, and returns its result with the errors it produced (removed from `errors`).
  mutating func capturing(_ body: (inout Evaluator) -> Bool) -> (valid: Bool, errors: [ValidationError]) {
    let saved = collectErrors
    let start = errors.count
    collectErrors = true
    defer { collectErrors = saved }
    let valid = body(&self)
    let produced = Array(errors[start...])
    errors.removeSubrange(start...)
    return (valid, produced)
  }

  /// Evaluates `id` against a child value, with the path extended by `component` while collecting errors.
  mutating func evaluateChild(
    _ id: SchemaID, _ node: Node, at component: PathComponent, _ annotations: inout Annotations, collect: Bool = false
  ) -> Bool {
    let saved = inPlaceDepth
    inPlaceDepth = 0
    defer { inPlaceDepth = saved }
    guard collectErrors else { return evaluate(id, node, &annotations, collect: collect) }
    path.append(component)
    defer { path.removeLast() }
    return evaluate(id, node, &annotations, collect: collect)
  }

  mutating func evaluateChild(_ id: SchemaID, _ node: Node, at component: PathComponent) -> Bool {
    var none = Annotations()
    return evaluateChild(id, node, at: component, &none)
  }

  /// Records a failure of `keyword` in subschema `id` (only while collecting errors).
  mutating func report(
    _ keyword: String, _ id: SchemaID, _ node: Node, _ message: String,
    help: String? = nil, span: SourceSpan? = nil, allowed: [String]? = nil,
    expectedTypes: [String]? = nil
  ) {
    guard collectErrors else { return }
    let location = program.units[id].location
    var error = ValidationError(
      keyword: keyword, instancePath: path.jsonPointer,
      schemaPath: keyword == "false" ? location : location + "/" + keyword,
      message: message, span: span ?? node.span, help: help)
    error.allowed = allowed
    error.expectedTypes = expectedTypes
    errors.append(error)
  }
}
