public import RecastDiagnostics

/// A problem or remark about a config resolved against a model: a diagnostic without a source span, plus the config
/// path it concerns (YAML keys under `quantization_config`, e.g. `["module_type_configs", "torch.nn...Linear"]`) so
/// the recipe layer can point at the right line.
public struct ConfigFinding: Sendable, Hashable {
  /// Finding ids (`config.*`).
  public enum ID {
    /// A selector matches nothing in the model.
    public static let unmatchedSelector = "config.unmatched-selector"
    /// A selector is not a valid regular expression.
    public static let invalidSelector = "config.invalid-selector"
    /// An entry matches, but later or more specific entries decide everything it matches.
    public static let shadowedRule = "config.shadowed-rule"
    /// An entry matches only modules without quantizable ops.
    public static let noQuantizableOps = "config.no-quantizable-ops"
    /// Nothing in the model gets quantized.
    public static let quantizesNothing = "config.quantizes-nothing"
    /// A per-block size does not divide the blocked axis.
    public static let blockSize = "config.block-size"
    /// A block size larger than its axis: the axis becomes one block (a note).
    public static let blockSizeClamped = "config.block-size-clamped"
    /// An explicit axis is outside the tensor's rank.
    public static let axisOutOfRange = "config.axis-out-of-range"
    /// A per-channel or per-block spec has no axis and the op has no default.
    public static let missingAxis = "config.missing-axis"
  }

  public var diagnostic: Diagnostic
  /// Config path the finding is about.
  public var path: [String]

  public init(_ id: String, _ severity: Severity, _ message: String, path: [String], help: String? = nil) {
    self.diagnostic = Diagnostic(id: id, severity: severity, message: message, help: help)
    self.path = path
  }

  public var id: String { diagnostic.id }
  public var severity: Severity { diagnostic.severity }
  public var message: String { diagnostic.message }
}
