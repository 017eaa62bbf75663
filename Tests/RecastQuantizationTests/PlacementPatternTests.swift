import Foundation
import RecastGraph
import RecastQuantization
import Testing

/// The fusion-pattern registry: built-ins, enabling/disabling by name, user patterns.
@Suite struct PlacementPatternTests {
  @Test func builtInsAreRegisteredByDefault() {
    let registry = PatternRegistry()
    #expect(
      registry.names == [
        "conv_bn_relu", "linear_bias_relu", "conv_bn", "conv_relu", "linear_relu", "matmul_relu", "linear_bias",
        "add_relu", "mul_relu",
      ])
    #expect(registry.pattern(named: "conv_bn_relu")?.chainDescription.hasPrefix("Conv → BatchNormalization → ") == true)
  }

  @Test func disablingAPatternPutsAQuantizerInsideTheFormerBlock() throws {
    let model = PlacementFixtures.addRelu()
    let plan = try Placement.plan(
      config: QuantizerConfig(), model: model, options: Placement.Options(disabledPatterns: ["add_relu"]))
    #expect(plan.blocks.isEmpty)
    #expect(plan.quantizer(on: "s")?.displayName == "add.out0")
    #expect(plan.quantizer(on: "r")?.spec.qscheme == .asymmetric, "a lone ReLU's output is still asymmetric")
  }

  @Test func enabledPatternsRestrictMatching() throws {
    let plan = try Placement.plan(
      config: QuantizerConfig(), model: PlacementFixtures.convNet(),
      options: Placement.Options(enabledPatterns: ["conv_bn_relu"]))
    #expect(plan.blocks.map(\.pattern) == ["conv_bn_relu"])
    #expect(plan.quantizer(on: "g5")?.displayName == "linear.out0")
  }

  @Test func userPatternOnAnInstance() throws {
    let registry = PatternRegistry()
    registry.register(FusionPattern(name: "relu_mul", ops: "Relu", "Mul"))
    #expect(registry.names.last == "relu_mul")
    let plan = try Placement.plan(
      config: QuantizerConfig(), model: PlacementFixtures.addRelu(),
      options: Placement.Options(disabledPatterns: ["add_relu"], registry: registry))
    #expect(plan.blocks.map(\.pattern) == ["relu_mul"])
    #expect(plan.blocks.first?.nodes == ["/blk/Relu", "/out/Mul"])
    #expect(plan.quantizer(on: "r") == nil, "inside the user block")
    #expect(plan.quantizer(on: "y")?.reason.contains("[relu_mul]") == true)
    #expect(PatternRegistry.shared.pattern(named: "relu_mul") == nil, "the shared registry is untouched")
  }

  @Test func registeringAnExistingNameReplacesIt() {
    let registry = PatternRegistry()
    registry.register(FusionPattern(name: "add_relu", ops: "Add", "Sigmoid"))
    #expect(registry.names.filter { $0 == "add_relu" }.count == 1)
    #expect(registry.pattern(named: "add_relu")?.steps == [["Add"], ["Sigmoid"]])
    #expect(registry.unregister("add_relu") && !registry.names.contains("add_relu"))
  }

  @Test func conditionsCanRejectAMatch() throws {
    let registry = PatternRegistry([FusionPattern(name: "never", ops: "Add", "Relu") { _, _ in false }])
    let plan = try Placement.plan(
      config: QuantizerConfig(), model: PlacementFixtures.addRelu(), options: Placement.Options(registry: registry))
    #expect(plan.blocks.isEmpty)
  }

  @Test func unknownPatternNamesAreErrors() {
    #expect(throws: QuantizationError.self) {
      try Placement.plan(
        config: QuantizerConfig(), model: PlacementFixtures.addRelu(),
        options: Placement.Options(disabledPatterns: ["add_rleu"]))
    }
  }

  // MARK: The config's selection (a recipe's `fusion_patterns`)

  @Test func theConfigDisablesAPattern() throws {
    let viaConfig = try Placement.plan(
      config: QuantizerConfig().setFusionPatterns(disable: ["add_relu"]), model: PlacementFixtures.addRelu())
    let viaOptions = try Placement.plan(
      config: QuantizerConfig(), model: PlacementFixtures.addRelu(), options: Placement.Options(disabledPatterns: ["add_relu"]))
    #expect(viaConfig.blocks.isEmpty)
    #expect(viaConfig.quantizer(on: "s")?.displayName == "add.out0")
    #expect(viaConfig.activations.map(\.value) == viaOptions.activations.map(\.value))
  }

  @Test func theConfigEnablesOnlyNamedPatterns() throws {
    let plan = try Placement.plan(
      config: QuantizerConfig().setFusionPatterns(enable: ["conv_bn_relu"]), model: PlacementFixtures.convNet())
    #expect(plan.blocks.map(\.pattern) == ["conv_bn_relu"])
    #expect(plan.quantizer(on: "g5")?.displayName == "linear.out0", "linear_relu is off: the Gemm output is quantized")
    let none = try Placement.plan(
      config: QuantizerConfig().setFusionPatterns(enable: []), model: PlacementFixtures.convNet())
    #expect(none.blocks.allSatisfy { $0.pattern != "conv_bn_relu" && $0.pattern != "linear_relu" })
  }

  @Test func configAndOptionsNarrowEachOther() throws {
    // The config enables two patterns, the options one of them and disable nothing: only that one is left.
    let plan = try Placement.plan(
      config: QuantizerConfig().setFusionPatterns(enable: ["conv_bn_relu", "linear_relu"]),
      model: PlacementFixtures.convNet(), options: Placement.Options(enabledPatterns: ["linear_relu", "add_relu"]))
    #expect(plan.blocks.map(\.pattern) == ["bn_fold", "linear_relu"], "BatchNorm folding is not a pattern")
    let selection = FusionPatternSelection(enabled: ["a", "b"], disabled: ["c"])
      .narrowed(by: FusionPatternSelection(enabled: nil, disabled: ["a"]))
    #expect(selection == FusionPatternSelection(enabled: ["a", "b"], disabled: ["c", "a"]))
  }

  @Test func theConfigNamesAUserPattern() throws {
    let registry = PatternRegistry()
    registry.register(FusionPattern(name: "relu_mul", ops: "Relu", "Mul"))
    let plan = try Placement.plan(
      config: QuantizerConfig().setFusionPatterns(enable: ["relu_mul"]), model: PlacementFixtures.addRelu(),
      options: Placement.Options(registry: registry))
    #expect(plan.blocks.map(\.pattern) == ["relu_mul"])
    #expect(throws: QuantizationError.self, "the shared registry does not know it") {
      try Placement.plan(
        config: QuantizerConfig().setFusionPatterns(enable: ["relu_mul"]), model: PlacementFixtures.addRelu())
    }
  }

  @Test func anUnknownNameInTheConfigSuggestsTheClosest() {
    do {
      _ = try Placement.plan(
        config: QuantizerConfig().setFusionPatterns(disable: ["conv_bn_rleu"]), model: PlacementFixtures.convNet())
      Issue.record("an unknown pattern name was accepted")
    } catch {
      #expect(error.message.hasPrefix("unknown fusion pattern 'conv_bn_rleu'"))
      #expect(error.help == "did you mean 'conv_bn_relu'?")
    }
  }

  @Test func eagerModeIgnoresTheSelection() throws {
    let config = QuantizerConfig(executionMode: .eager).setFusionPatterns(enable: ["no_such_pattern"])
    #expect(try Placement.plan(config: config, model: PlacementFixtures.convNet()).blocks.isEmpty)
  }
}
