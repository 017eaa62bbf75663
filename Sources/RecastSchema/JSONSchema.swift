public import RecastDiagnostics
public import RecastYAML

/// A compiled JSON Schema (draft 2020-12) that validates ``Node`` trees.
///
/// Compile once, validate many times: references are resolved, regexes compiled and subschemas indexed at
/// `init`. Instances are never copied during validation.
///
/// ```swift
/// let schema = try JSONSchema(try JSONReader.parse(text, file: "recipe.schema.json"))
/// for error in schema.validate(recipe) { print(error.diagnostic) }
/// ```
public struct JSONSchema: Sendable {
  /// The base URI used when the caller gives none and the schema declares no `$id`.
  public static let defaultBaseURI = "urn:recast:schema"

  let program: Program

  /// Compiles `node`. `baseURI` is the schema's retrieval URI (its `$id`, if any, is resolved against it);
  /// `registry` supplies documents that `$ref`s name by URI. A schema that is not valid (a keyword of the wrong
  /// type, an unresolvable `$ref`, a bad regex, a required vocabulary Recast does not know) throws
  /// `schema.invalid-schema` diagnostics.
  public init(
    _ node: Node, baseURI: String = JSONSchema.defaultBaseURI, registry: SchemaRegistry = .init()
  ) throws(DiagnosticError) {
    program = try Compiler(registry: registry).compile(root: node, baseURI: baseURI)
  }

  /// Every failure of `instance`, or an empty array when it is valid. `anyOf`/`oneOf` failures are reduced to
  /// the alternative the value most likely meant.
  public func validate(_ instance: Node) -> [ValidationError] {
    if isValid(instance) { return [] }
    var evaluator = Evaluator(program: program, collectErrors: true)
    _ = evaluator.evaluate(program.root, instance)
    return evaluator.errors
  }

  /// True when `instance` is valid; stops at the first failure and builds no messages.
  public func isValid(_ instance: Node) -> Bool {
    var evaluator = Evaluator(program: program, collectErrors: false)
    return evaluator.evaluate(program.root, instance)
  }

  /// ``validate(_:)`` as diagnostics (`schema.<keyword>`).
  public func diagnostics(for instance: Node) -> [Diagnostic] { validate(instance).map(\.diagnostic) }
}
