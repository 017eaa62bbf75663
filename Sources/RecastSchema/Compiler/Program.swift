internal import RecastYAML

/// Index of a compiled subschema in ``Program/units``.
typealias SchemaID = Int

/// A compiled schema: every subschema reachable from the root (and from the documents it references),
/// with `$ref`s resolved to indices and regexes compiled. Immutable once built, so it is shared freely.
final class Program: Sendable {
  let units: [SchemaUnit]
  let resources: [Resource]
  let root: SchemaID

  init(units: [SchemaUnit], resources: [Resource], root: SchemaID) {
    self.units = units
    self.resources = resources
    self.root = root
  }
}

/// A schema resource (a document root or a subschema with `$id`): the unit of dynamic scope.
struct Resource: Sendable {
  var uri: String
  /// `$dynamicAnchor` name → the subschema that declares it.
  var dynamicAnchors: [String: SchemaID] = [:]
}

/// One subschema, compiled.
struct SchemaUnit: Sendable {
  /// For boolean schemas, their value; nil for object schemas.
  var constant: Bool?
  /// In evaluation order: everything else first, `unevaluated*` last.
  var keywords: [Keyword] = []
  /// The resource this subschema belongs to.
  var resource: Int
  /// Where the subschema sits: `#/properties/a` in the root document, `<uri>#/...` in another.
  var location: String
  /// The schema node, for messages (sibling `properties` when suggesting a key).
  var node: Node
  /// True when the keywords include `unevaluatedProperties` or `unevaluatedItems`.
  var needsAnnotations = false
}

/// A set of JSON types, for the `type` keyword.
struct JSONTypes: OptionSet, Sendable {
  var rawValue: UInt8
  static let null = JSONTypes(rawValue: 1)
  static let boolean = JSONTypes(rawValue: 2)
  static let object = JSONTypes(rawValue: 4)
  static let array = JSONTypes(rawValue: 8)
  static let number = JSONTypes(rawValue: 16)
  static let string = JSONTypes(rawValue: 32)
  static let integer = JSONTypes(rawValue: 64)

  static let names: [(String, JSONTypes)] = [
    ("null", .null), ("boolean", .boolean), ("object", .object), ("array", .array), ("number", .number),
    ("string", .string), ("integer", .integer),
  ]

  init(rawValue: UInt8) { self.rawValue = rawValue }

  init?(name: String) {
    guard let match = Self.names.first(where: { $0.0 == name }) else { return nil }
    self = match.1
  }

  /// The names in this set, in schema order.
  var nameList: [String] { Self.names.filter { contains($0.1) }.map(\.0) }
}

/// `properties`, `patternProperties` and `additionalProperties` of one schema, applied together.
struct ObjectApplicator: Sendable {
  var properties: [String: SchemaID] = [:]
  var patterns: [(regex: ECMARegex, schema: SchemaID)] = []
  var additional: SchemaID?
  var hasProperties = false
  var hasPatterns = false
}

/// A compiled keyword. Applicators hold subschema indices.
enum Keyword: Sendable {
  case ref(SchemaID)
  /// The static target, and the anchor name when the target declares a matching `$dynamicAnchor`.
  case dynamicRef(SchemaID, anchor: String?)
  case type(JSONTypes)
  case enumeration([Node])
  case constant(Node)
  case multipleOf(ScalarValue)
  case maximum(ScalarValue)
  case exclusiveMaximum(ScalarValue)
  case minimum(ScalarValue)
  case exclusiveMinimum(ScalarValue)
  case maxLength(Int)
  case minLength(Int)
  case pattern(ECMARegex)
  case maxItems(Int)
  case minItems(Int)
  case uniqueItems
  case maxProperties(Int)
  case minProperties(Int)
  case required([String])
  case dependentRequired([(key: String, required: [String])])
  case allOf([SchemaID])
  case anyOf([SchemaID])
  case oneOf([SchemaID])
  case not(SchemaID)
  case conditional(if: SchemaID, then: SchemaID?, else: SchemaID?)
  case dependentSchemas([(key: String, schema: SchemaID)])
  case objectProperties(ObjectApplicator)
  case propertyNames(SchemaID)
  case unevaluatedProperties(SchemaID)
  case prefixItems([SchemaID])
  case items(SchemaID, from: Int)
  case contains(SchemaID, min: Int, max: Int?)
  case unevaluatedItems(SchemaID)
}
