import RecastDiagnostics
import RecastQuantization
import RecastYAML

/// Every name under `quantization_config.fusion_patterns` is a registered fusion pattern.
struct UnknownPatternRule: LintRule {
  let id = "lint.unknown-pattern"
  let summary = "fusion_patterns names a pattern that is not registered"
  let explanation = """
    Graph mode treats chains such as Conv -> BatchNormalization -> ReLU as one block with one
    input and one output quantizer. `fusion_patterns` picks which of the registered patterns
    placement uses:

        quantization_config:
          fusion_patterns:
            enable: [conv_bn_relu, conv_relu]   # only these (omit for all)
            disable: [add_relu]                 # never these

    Built in: conv_bn_relu, linear_bias_relu, conv_bn, conv_relu, linear_relu, matmul_relu,
    linear_bias, add_relu, mul_relu. A Swift program can register more
    (`PatternRegistry.shared.register(FusionPattern(name:ops:))`) before it lints or runs a
    recipe; the recipe then names them like the built-ins. A name that is not registered is an
    error, with the closest registered name as a suggestion. Eager mode uses no patterns.
    """
  /// Where names are looked up (the process-wide registry, so patterns a Swift program registered count).
  var registry: PatternRegistry = .shared

  func check(_ context: LintContext) -> [Diagnostic] {
    guard let selection = context.root["quantization_config"]?["fusion_patterns"] else { return [] }
    let known = registry.names
    var findings: [Diagnostic] = []
    for key in ["enable", "disable"] {
      for item in selection[key]?.sequence ?? [] {
        guard let name = item.string, !known.contains(name) else { continue }
        findings.append(
          .error(
            id, "unknown fusion pattern '\(name)'", at: item.span,
            help: didYouMean(name, among: known) ?? "registered patterns: \(known.joined(separator: ", "))"))
      }
    }
    return findings
  }
}
