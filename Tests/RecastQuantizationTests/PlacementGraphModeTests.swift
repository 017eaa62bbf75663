import Foundation
import RecastGraph
import RecastQuantization
import TestSupport
import Testing

/// Graph mode: fusion blocks, shared qparams across value-preserving ops, one quantizer per value, known-range
/// outputs and coreai-opt's activation names.
@Suite struct PlacementGraphModeTests {
  static func plan(_ model: Model, _ config: QuantizerConfig = QuantizerConfig()) throws -> QuantizationPlan {
    try Placement.plan(config: config, model: model)
  }

  @Test func convNetBlocksSharingAndNames() throws {
    let plan = try Self.plan(PlacementFixtures.convNet())
    #expect(plan.mode == .graph)
    #expect(plan.blocks.map(\.pattern) == ["conv_bn_relu", "linear_relu"])
    #expect(plan.blocks[0].nodes == ["/0/Conv", "/1/BatchNormalization", "/2/Relu"])
    #expect(
      plan.activations.map(\.displayName) == [
        "graph_input", "relu.out0", "max_pool2d.out0", "flatten.out0", "relu_1.out0", "linear_1.out0",
      ])
    #expect(plan.activations.map(\.value) == ["x", "r2", "p3", "f4", "r6", "y"])
    #expect(plan.activations.allSatisfy { $0.site == .value })
    #expect(plan.activations.enumerated().allSatisfy { $0.offset == $0.element.id })
    // Fusion: nothing inside Conv-BN-ReLU or Linear-ReLU.
    #expect(plan.quantizers(on: "c0").isEmpty && plan.quantizers(on: "b1").isEmpty && plan.quantizers(on: "g5").isEmpty)
    // Sharing: MaxPool and Flatten use the ReLU output's quantizer, and so its asymmetric spec.
    let relu = try #require(plan.quantizer(on: "r2"))
    #expect(relu.sharesQParamsWith == nil && relu.spec.qscheme == .asymmetric && relu.spec.dtype == .int8)
    for value in ["p3", "f4"] {
      let shared = try #require(plan.quantizer(on: value))
      #expect(shared.sharesQParamsWith == relu.id)
      #expect(shared.spec == relu.spec)
      #expect(plan.qparamsOwner(of: shared.id).value == "r2")
    }
    #expect(plan.quantizer(on: "x")?.spec.qscheme == .symmetric)
    #expect(plan.quantizer(on: "y")?.spec.qscheme == .symmetric)
    #expect(plan.quantizer(on: "r6")?.spec.qscheme == .asymmetric)
    #expect(plan.weights.map(\.displayName) == ["0.weight", "5.weight", "7.weight"])
  }

  @Test func dedupKeepsTheProducersSpecAndSaysWhoElseAsked() throws {
    let plan = try Self.plan(PlacementFixtures.convNet())
    // r2: the block's output request (asymmetric) and MaxPool's input request (symmetric) become one quantizer.
    let relu = try #require(plan.quantizer(on: "r2"))
    #expect(plan.quantizers(on: "r2").count == 1)
    #expect(relu.reason.contains("conv2d output 0 [conv_bn_relu]"))
    #expect(relu.reason.contains("ReLU: asymmetric"))
    #expect(relu.reason.contains("max_pool2d input 0"), "\(relu.reason)")
  }

  @Test func mlpHeadAndSoftmaxShareOneQuantizerPerEdge() throws {
    let plan = try Self.plan(ConfigFixtures.mlp())
    #expect(plan.quantizers(on: "h3").count == 1)
    #expect(plan.quantizer(on: "h3")?.displayName == "linear_1.out0")
    #expect(plan.quantizer(on: "y")?.displayName == "softmax.out0")
  }

  @Test func reluOutputIsAsymmetricWithTheConfiguredDtype() throws {
    let plan = try Self.plan(PlacementFixtures.linearActivation("Relu"))
    let relu = try #require(plan.quantizer(on: "a"))
    #expect(relu.spec.qscheme == .asymmetric && relu.spec.dtype == .int8)
    #expect(relu.fixedQParams == nil && relu.fixedRange == nil)
    #expect(plan.quantizer(on: "h") == nil, "Linear-ReLU is one block")
  }

  @Test func sigmoidAndTanhGetFixedUInt8QParams() throws {
    let sigmoid = try #require(try Self.plan(PlacementFixtures.linearActivation("Sigmoid")).quantizer(on: "a"))
    #expect(sigmoid.spec.dtype == .uint8 && sigmoid.spec.qscheme == .asymmetric)
    #expect(sigmoid.fixedRange == ClosedRangeBounds(min: 0, max: 1))
    #expect(sigmoid.fixedQParams?.scale == [1 / 256] && sigmoid.fixedQParams?.zeroPoint == [0])
    #expect(sigmoid.displayName == "sigmoid.out0")

    let tanh = try #require(try Self.plan(PlacementFixtures.linearActivation("Tanh")).quantizer(on: "a"))
    #expect(tanh.spec.dtype == .uint8 && tanh.spec.qscheme == .symmetric)
    #expect(tanh.fixedRange == ClosedRangeBounds(min: -1, max: 1))
    #expect(tanh.fixedQParams?.scale == [2 / 256] && tanh.fixedQParams?.zeroPoint == [128])
  }

  @Test func addReluIsOneBlock() throws {
    let plan = try Self.plan(PlacementFixtures.addRelu())
    #expect(plan.blocks.map(\.pattern) == ["add_relu"])
    #expect(plan.activations.map(\.displayName) == ["graph_input", "graph_input_1", "relu.out0", "mul.out0"])
    #expect(plan.quantizer(on: "s") == nil)
    #expect(plan.quantizer(on: "r")?.spec.qscheme == .asymmetric)
  }

  @Test func concatSharesOneQuantizerAcrossAllInputsAndItsOutput() throws {
    let info = { (name: String) in ValueInfo(name: name, elementType: .float32, shape: [1, 4]) }
    let graph = Graph(
      nodes: [
        Node(name: "/cat/Concat", opType: "Concat", inputs: ["a", "b"], outputs: ["y"], attributes: ["axis": .int(1)])
      ],
      inputs: [info("a"), info("b")], outputs: [ValueInfo(name: "y", elementType: .float32, shape: [1, 8])])
    let plan = try Self.plan(Model(graph: graph))
    #expect(plan.activations.map(\.displayName) == ["graph_input", "graph_input_1", "cat.out0"])
    #expect(plan.activations.map(\.sharesQParamsWith) == [nil, 0, 0])
  }

  @Test func weightOnlyConfigPlacesNoActivations() throws {
    let spec = QuantizationSpec(dtype: .int4, granularity: .perChannel(axis: 0), qparamCalculator: "static")
    let config = QuantizerConfig(global: .weightOnly(spec))
    let plan = try Self.plan(PlacementFixtures.convNet(), config)
    #expect(plan.activations.isEmpty)
    #expect(plan.weights.count == 3 && plan.weights.allSatisfy { $0.spec.dtype == .int4 })
  }

  /// The digits net, default W8A8, both exports: what coreai-opt places (see `PlacementOracleTests`), in order.
  @Test(arguments: ["digits_cnn_bn.onnx", "digits_cnn_bn.dynamo.onnx"])
  func digitsDefaultPlacement(file: String) throws {
    guard let model = try PlacementFixtures.sharedModel(file) else { return }
    let plan = try Self.plan(model)
    #expect(plan.blocks.map(\.pattern) == ["conv_bn_relu", "conv_bn_relu", "conv_bn_relu", "linear_relu"])
    #expect(
      plan.activations.map(\.displayName) == [
        "graph_input", "relu.out0", "relu_1.out0", "max_pool2d.out0", "relu_2.out0", "max_pool2d_1.out0",
        "flatten.out0", "relu_3.out0", "linear_1.out0",
      ])
    let owners = plan.activations.map { plan.qparamsOwner(of: $0.id).displayName }
    #expect(
      owners == [
        "graph_input", "relu.out0", "relu_1.out0", "relu_1.out0", "relu_2.out0", "relu_2.out0", "relu_2.out0",
        "relu_3.out0", "linear_1.out0",
      ])
    #expect(plan.weights.map(\.displayName) == ["0.weight", "3.weight", "7.weight", "12.weight", "14.weight"])
    #expect(plan.weights.prefix(3).allSatisfy { $0.foldedBatchNorm != nil && $0.initializer.hasSuffix(".folded") })
    #expect(plan.opNames.values.contains { $0.graph == "conv2d_1" && $0.eager == "3.conv2d" })
  }
}
