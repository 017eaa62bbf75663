import Foundation
import RecastGraph
import RecastQuantization
import RecastYAML
import TestSupport
import Testing

@testable import RecastRecipe

/// `quantization_config.fusion_patterns`: parsed into the config, linted against the pattern registry, and obeyed by
/// graph-mode placement.
@Suite struct FusionPatternRecipeTests {
  func config(_ yaml: String) throws -> QuantizerConfig {
    try RecipeConfig(YAMLReader.parse(bytes: Array(yaml.utf8), file: "recipe.yaml")).quantizerConfig()
  }

  @Test func recipeKeysBecomeTheSelection() throws {
    let both = try config(
      "quantization_config:\n  fusion_patterns: {enable: [conv_bn_relu, add_relu], disable: [add_relu]}\n")
    #expect(
      both.fusionPatterns == FusionPatternSelection(enabled: ["conv_bn_relu", "add_relu"], disabled: ["add_relu"]))
    let disableOnly = try config("quantization_config:\n  fusion_patterns:\n    disable: [conv_relu]\n")
    #expect(disableOnly.fusionPatterns == FusionPatternSelection(enabled: nil, disabled: ["conv_relu"]))
    #expect(try config("quantization_config:\n  fusion_patterns: null\n").fusionPatterns == .all)
    #expect(try config("quantization_config:\n  global_config: null\n").fusionPatterns == .all)
    #expect(try config("quantization_config:\n  fusion_patterns: {enable: []}\n").fusionPatterns.enabled == [])
  }

  @Test func knownNamesLintClean() {
    let text = "quantization_config:\n  fusion_patterns: {enable: [conv_bn_relu, linear_relu], disable: [add_relu]}\n"
    let result = Linter().lint(bytes: Array(text.utf8), file: "preset.yaml")
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
  }

  @Test func aPatternRegisteredInSwiftLintsClean() {
    let registry = PatternRegistry()
    registry.register(FusionPattern(name: "div_relu", ops: "Div", "Relu"))
    let text = "quantization_config:\n  fusion_patterns: {enable: [div_relu]}\n"
    let custom = Linter(rules: [UnknownPatternRule(registry: registry)]).lint(bytes: Array(text.utf8), file: "p.yaml")
    #expect(custom.diagnostics.isEmpty)
    let builtIn = Linter(rules: [UnknownPatternRule(registry: PatternRegistry())]).lint(
      bytes: Array(text.utf8), file: "p.yaml")
    #expect(builtIn.diagnostics.map(\.id) == ["lint.unknown-pattern"])
    #expect(builtIn.diagnostics.first?.help?.hasPrefix("registered patterns: conv_bn_relu") == true)
  }

  /// The digits CNN (Conv-BN-ReLU three times, Linear-ReLU once): what the recipe names is what gets fused.
  @Test func placementOnTheDigitsModelFollowsTheRecipe() throws {
    let model = try Model(contentsOf: Paths.repository("Examples/digits/digits_cnn_bn.onnx"))
    func blocks(_ yaml: String) throws -> [String] {
      // BatchNorm folding makes blocks of its own (`bn_fold`) where no pattern took the Conv.
      try Placement.plan(config: config(yaml), model: model).blocks.map(\.pattern).filter { $0 != "bn_fold" }
    }
    let all = try blocks("quantization_config: {}\n")
    #expect(all.filter { $0 == "conv_bn_relu" }.count == 3 && all.contains("linear_relu"))
    #expect(try blocks("quantization_config:\n  fusion_patterns: {enable: [linear_relu]}\n") == ["linear_relu"])
    let noConvReLU = try blocks("quantization_config:\n  fusion_patterns: {disable: [conv_bn_relu]}\n")
    #expect(!noConvReLU.contains("conv_bn_relu") && noConvReLU.filter { $0 == "conv_bn" }.count == 3)
  }
}
