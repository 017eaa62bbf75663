import Foundation
import RecastGraph
import RecastQuantization
import TestSupport
import Testing

/// Eager mode: per-call quantizers (input at the consumer, output at the value), duplicates kept, no fusion, no
/// sharing, no known-range overrides, call-site names.
@Suite struct PlacementEagerModeTests {
  static func plan(_ model: Model, _ config: QuantizerConfig = QuantizerConfig()) throws -> QuantizationPlan {
    try Placement.plan(config: config.setExecutionMode(.eager), model: model)
  }

  @Test func convNetPerCallQuantizers() throws {
    let plan = try Self.plan(PlacementFixtures.convNet())
    #expect(plan.mode == .eager && plan.blocks.isEmpty)
    #expect(
      plan.activations.map(\.displayName) == [
        "0.conv2d_quantize_input", "0.conv2d_quantize_output_0", "3.max_pool2d_quantize_input",
        "3.max_pool2d_quantize_output_0", "5.linear_quantize_input", "5.linear_quantize_output_0",
        "7.linear_quantize_input", "7.linear_quantize_output_0",
      ])
    #expect(plan.activations.allSatisfy { $0.eagerName == $0.displayName })
    #expect(plan.activations.allSatisfy { $0.sharesQParamsWith == nil && $0.spec.qscheme == .symmetric })
    let input = try #require(plan.activations.first { $0.displayName == "0.conv2d_quantize_input" })
    #expect(input.value == "x" && input.site == .input(node: "/0/Conv", slot: 0))
    let output = try #require(plan.activations.first { $0.displayName == "0.conv2d_quantize_output_0" })
    #expect(output.value == "c0" && output.site == .value, "the unfused Conv output, before BN")
    // ReLU and Flatten calls get no quantizers (as in coreai-opt's eager mode).
    #expect(plan.quantizers(on: "r6").map(\.displayName) == ["7.linear_quantize_input"])
    #expect(plan.quantizers(on: "f4").map(\.displayName) == ["5.linear_quantize_input"])
    #expect(
      plan.weights.map(\.eagerName) == [
        "0.parametrizations.weight.0", "5.parametrizations.weight.0", "7.parametrizations.weight.0",
      ])
  }

  @Test func consecutiveQuantizersOnOneEdgeAreKept() throws {
    let plan = try Self.plan(ConfigFixtures.mlp())
    let onEdge = plan.quantizers(on: "h3")
    #expect(onEdge.map(\.displayName) == ["head.linear_quantize_output_0", "softmax_quantize_input"])
    #expect(onEdge.map(\.site) == [.value, .input(node: "softmax_node", slot: 0)])
    let graphPlan = try Placement.plan(config: QuantizerConfig(), model: ConfigFixtures.mlp())
    #expect(graphPlan.quantizers(on: "h3").count == 1)
  }

  @Test func knownRangeOutputsAreAsConfigured() throws {
    for activation in ["Relu", "Sigmoid", "Tanh"] {
      let plan = try Self.plan(PlacementFixtures.linearActivation(activation))
      #expect(plan.activations.allSatisfy { $0.spec == .defaultActivation && $0.fixedQParams == nil })
      let head = try #require(plan.activations.first { $0.displayName == "head.linear_quantize_input" })
      #expect(head.value == "a")
    }
  }

  @Test func knownRangeOpsInTheEagerSetKeepTheirConfiguredSpec() throws {
    let options = Placement.Options(eagerOpTypes: ["Gemm", "Sigmoid"])
    let plan = try Placement.plan(
      config: QuantizerConfig(executionMode: .eager), model: PlacementFixtures.linearActivation("Sigmoid"),
      options: options)
    let output = try #require(plan.activations.first { $0.displayName == "act.sigmoid_quantize_output_0" })
    #expect(output.spec == .defaultActivation && output.fixedRange == nil && output.fixedQParams == nil)
  }

  @Test func multiInputCallsNumberTheirInputs() throws {
    let options = Placement.Options()
    let plan = try Placement.plan(
      config: QuantizerConfig(executionMode: .eager), model: PlacementFixtures.addRelu(), options: options)
    #expect(
      plan.activations.map(\.displayName) == [
        "blk.add_quantize_input_0", "blk.add_quantize_input_1", "blk.add_quantize_output_0",
        "out.mul_quantize_input", "out.mul_quantize_output_0",
      ])
  }

  @Test func eagerOpTypesAreConfigurable() throws {
    let options = Placement.Options(eagerOpTypes: Placement.defaultEagerOpTypes.union(["Relu"]))
    let plan = try Placement.plan(
      config: QuantizerConfig(executionMode: .eager), model: PlacementFixtures.convNet(), options: options)
    #expect(plan.activations.contains { $0.displayName == "2.relu_quantize_output_0" })
  }

  @Test(arguments: ["digits_cnn_bn.onnx", "digits_cnn_bn.dynamo.onnx"])
  func digitsDefaultPlacement(file: String) throws {
    guard let model = try PlacementFixtures.sharedModel(file) else { return }
    let plan = try Self.plan(model)
    let expected = [
      ("0", "conv2d"), ("3", "conv2d"), ("6", "max_pool2d"), ("7", "conv2d"), ("10", "max_pool2d"), ("12", "linear"),
      ("14", "linear"),
    ].flatMap { ["\($0.0).\($0.1)_quantize_input", "\($0.0).\($0.1)_quantize_output_0"] }
    #expect(plan.activations.map(\.displayName) == expected)
    #expect(plan.graph.nodes.filter { $0.opType == "BatchNormalization" }.count == 3)
    #expect(plan.weights.allSatisfy { $0.foldedBatchNorm == nil && !$0.initializer.hasSuffix(".folded") })
  }
}
