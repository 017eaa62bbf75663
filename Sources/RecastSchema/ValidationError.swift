public import RecastDiagnostics

/// One way an instance fails its schema.
public struct ValidationError: Sendable, Hashable {
  /// The schema keyword that failed (`enum`, `type`, `required`, `additionalProperties`, …).
  public var keyword: String
  /// JSON pointer to the offending value in the instance (`/quantization_spec/act8/dtype`), empty for the root.
  public var instancePath: String
  /// Where the failing keyword sits in the schema (`#/$defs/spec/properties/dtype/enum`).
  public var schemaPath: String
  public var message: String
  /// The offending value's span; for an unknown key, the key's span.
  public var span: SourceSpan
  /// A hint ("did you mean 'int8'?"), when one can be computed.
  public var help: String?
  /// For `const`/`enum` failures, the allowed values as rendered in messages (lets `anyOf`/`oneOf` merge them).
  var allowed: [String]? = nil
  /// For `type` failures, the expected type names.
  var expectedTypes: [String]? = nil

  public init(
    keyword: String, instancePath: String, schemaPath: String, message: String, span: SourceSpan,
    help: String? = nil
  ) {
    self.keyword = keyword
    self.instancePath = instancePath
    self.schemaPath = schemaPath
    self.message = message
    self.span = span
    self.help = help
  }

  /// The error as a diagnostic with id `schema.<keyword>`.
  public var diagnostic: Diagnostic {
    Diagnostic(id: "schema.\(keyword)", severity: .error, message: message, span: span, help: help)
  }
}
