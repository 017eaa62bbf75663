/// The gradient rules a `TrainingExecutor` differentiates with: one rule per `(domain, op type)`.
///
/// `standard` holds Recast's built-in rules (the per-family lists in `GradientRules+*.swift`); `register`
/// adds or replaces a rule, typically for a custom op served by a `CustomKernel`. A node on a trainable path
/// whose op has no rule is an error naming the node and the op.
public struct GradientTable: Sendable {
  private var rules: [String: GradientRule] = [:]

  /// An empty table.
  public init() {}

  /// A table holding `rules` (later entries replace earlier ones for the same op).
  public init(_ rules: [GradientRule]) {
    for rule in rules { register(rule) }
  }

  /// Every built-in rule.
  public static let standard = GradientTable(
    GradientRules.elementwise + GradientRules.activations + GradientRules.neuralNetwork + GradientRules.layout
      + GradientRules.reductions)

  /// Adds `rule`, replacing any rule for the same domain and op type.
  public mutating func register(_ rule: GradientRule) {
    rules[CustomKernel.key(domain: rule.domain, opType: rule.opType)] = rule
  }

  /// The rule for `opType` in `domain`, if any.
  public func rule(for opType: String, domain: String = "") -> GradientRule? {
    rules[CustomKernel.key(domain: domain, opType: opType)]
  }

  /// The op types with a rule in `domain`, sorted.
  public func opTypes(domain: String = "") -> [String] {
    let normalized = domain == "ai.onnx" ? "" : domain
    return rules.values.filter { $0.domain == normalized }.map(\.opType).sorted()
  }
}

/// Namespace for the built-in rule lists, one file per op family.
enum GradientRules {}
