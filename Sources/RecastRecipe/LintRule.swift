public import RecastDiagnostics
public import RecastYAML

/// Whether a document is a full recipe (it has `recast:` or run-time sections) or a preset.
public enum DocumentKind: String, Sendable {
  case recipe
  case preset
}

/// What a lint rule sees: one parsed document, its config walker, and the preset library.
public struct LintContext: Sendable {
  public var file: String
  public var root: Node
  public var kind: DocumentKind
  public var walker: ConfigWalker
  public var presets: PresetLibrary
  /// The document with its `extends` presets merged in, when all of them resolve.
  public var resolved: Node?

  public init(file: String, root: Node, kind: DocumentKind, presets: PresetLibrary, resolved: Node?) {
    self.file = file
    self.root = root
    self.kind = kind
    self.walker = ConfigWalker(root)
    self.presets = presets
    self.resolved = resolved
  }
}

/// A semantic check beyond the schema. Each rule has a stable id and documentation for `--explain`.
public protocol LintRule: Sendable {
  /// Stable id, `lint.<name>`.
  var id: String { get }
  /// One line: what the rule finds.
  var summary: String { get }
  /// A paragraph or two with an example, printed by `recast lint --explain ID`.
  var explanation: String { get }
  func check(_ context: LintContext) -> [Diagnostic]
}

/// The semantic rules `recast lint` runs, in order.
public enum LintRules {
  public static let all: [any LintRule] = [
    ActivationDTypeRule(),
    BlockSizeRule(),
    FloatRangeRule(),
    NarrowRangeRule(),
    LearnedStepSizeRule(),
    QATScheduleOrderRule(),
    StageOrderRule(),
    TrainWithoutDataRule(),
    NoCalibrationRule(),
    SelectorRegexRule(),
    DuplicateSelectorRule(),
    UnknownPresetRule(),
    UnknownPatternRule(),
  ]
}
