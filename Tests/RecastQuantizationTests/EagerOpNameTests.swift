import RecastGraph
import RecastQuantization
import TestSupport
import Testing

/// `op_name_config` names ops as the execution mode does (DESIGN.md §3.3): graph op names (`add_1`, numbered over
/// the whole graph as torch.export does) in graph mode, call sites from module scopes (`submodule_a.add_1`) in
/// eager mode. The ONNX node name works in both.
@Suite struct EagerOpNameTests {
  /// coreai-opt's own example (quantization/config.md, "How to get names"): two `TwoAddModule`s, each computing
  /// `a = x + x; b = a + a`. Its eager op names are submodule_a.add, submodule_a.add_1, submodule_b.add and
  /// submodule_b.add_1.
  static func twoAddModules() -> Model {
    let nodes = [
      Node(name: "/submodule_a/Add", opType: "Add", inputs: ["x", "x"], outputs: ["a1"]),
      Node(name: "/submodule_a/Add_1", opType: "Add", inputs: ["a1", "a1"], outputs: ["a2"]),
      Node(name: "/submodule_b/Add", opType: "Add", inputs: ["a2", "a2"], outputs: ["b1"]),
      Node(name: "/submodule_b/Add_1", opType: "Add", inputs: ["b1", "b1"], outputs: ["y"]),
    ]
    let info = { (name: String) in ValueInfo(name: name, elementType: .float32, shape: [1, 4]) }
    return Model(graph: Graph(nodes: nodes, inputs: [info("x")], outputs: [info("y")]))
  }

  /// W8A8 everywhere except the ops `selector` names, which stay float.
  static func config(disabling selector: String, mode: QuantizerConfig.ExecutionMode) -> QuantizerConfig {
    QuantizerConfig(executionMode: mode, global: ModuleQuantizerConfig().setOpName(selector, nil))
  }

  static func quantized(_ resolution: ConfigResolution) -> [String] {
    resolution.ops.filter(\.isQuantized).map(\.op.eagerName)
  }

  @Test func namesFollowTheDocumentedExample() {
    let view = QuantizableModel(Self.twoAddModules())
    #expect(
      view.ops.map(\.eagerName) == ["submodule_a.add", "submodule_a.add_1", "submodule_b.add", "submodule_b.add_1"])
    #expect(view.ops.map(\.atenName) == ["add", "add_1", "add_2", "add_3"])
    #expect(view.ops[1].names(in: .eager) == ["submodule_a.add_1", "/submodule_a/Add_1"])
    #expect(view.ops[1].names(in: .graph) == ["add_1", "/submodule_a/Add_1"])
  }

  @Test func eagerModeSelectsCallSites() {
    let model = Self.twoAddModules()
    let one = ConfigResolver(config: Self.config(disabling: "submodule_a.add_1", mode: .eager), model: model).resolve()
    #expect(Self.quantized(one) == ["submodule_a.add", "submodule_b.add", "submodule_b.add_1"])
    #expect(one.findings.isEmpty, "\(one.findings.map(\.message))")
    let regex = ConfigResolver(config: Self.config(disabling: "submodule_b\\.add.*", mode: .eager), model: model)
      .resolve()
    #expect(Self.quantized(regex) == ["submodule_a.add", "submodule_a.add_1"])
    let onnxName = ConfigResolver(config: Self.config(disabling: "/submodule_b/Add", mode: .eager), model: model)
      .resolve()
    #expect(Self.quantized(onnxName) == ["submodule_a.add", "submodule_a.add_1", "submodule_b.add_1"])
  }

  @Test func graphModeSelectsGraphNames() {
    let model = Self.twoAddModules()
    let one = ConfigResolver(config: Self.config(disabling: "add_1", mode: .graph), model: model).resolve()
    #expect(Self.quantized(one) == ["submodule_a.add", "submodule_b.add", "submodule_b.add_1"])
    #expect(one.findings.isEmpty, "\(one.findings.map(\.message))")
  }

  @Test func aNameFromTheOtherModeIsUnmatchedWithAHint() throws {
    let model = Self.twoAddModules()
    let eagerNameInGraph = ConfigResolver(
      config: Self.config(disabling: "submodule_a.add_1", mode: .graph), model: model
    )
    .resolve()
    #expect(Self.quantized(eagerNameInGraph).count == 4)
    let finding = try #require(eagerNameInGraph.findings.first { $0.id == ConfigFinding.ID.unmatchedSelector })
    #expect(finding.message.contains("(graph mode names)"))
    #expect(finding.diagnostic.help?.contains("'submodule_a.add_1' is an eager-mode call-site name") == true)

    let graphNameInEager = ConfigResolver(config: Self.config(disabling: "add_3", mode: .eager), model: model).resolve()
    #expect(Self.quantized(graphNameInEager).count == 4)
    let other = try #require(graphNameInEager.findings.first { $0.id == ConfigFinding.ID.unmatchedSelector })
    #expect(other.diagnostic.help?.contains("'add_3' is a graph-mode op name") == true)
  }

  @Test func eagerQuantizersAreNamedAfterTheCallSites() throws {
    let plan = try Placement.plan(
      config: Self.config(disabling: "submodule_b.add", mode: .eager), model: Self.twoAddModules())
    #expect(
      plan.activations.map(\.displayName) == [
        "submodule_a.add_quantize_input_0", "submodule_a.add_quantize_input_1", "submodule_a.add_quantize_output_0",
        "submodule_a.add_1_quantize_input_0", "submodule_a.add_1_quantize_input_1",
        "submodule_a.add_1_quantize_output_0", "submodule_b.add_1_quantize_input_0",
        "submodule_b.add_1_quantize_input_1", "submodule_b.add_1_quantize_output_0",
      ])
  }

  /// The BN digits CNN as TorchScript exported it: module names from node-name scopes. Graph mode calls the second
  /// convolution `conv2d_1`, eager mode `3.conv2d` (as in ../shared/conformance/coreai-opt-configs).
  @Test func digitsNamesInBothModes() throws {
    guard let model = try PlacementFixtures.sharedModel("digits_cnn_bn.onnx") else { return }
    let view = QuantizableModel(model)
    let conv = try #require(view.ops.first { $0.module.path == "3" && $0.opType == "Conv" })
    #expect(conv.atenName == "conv2d_1" && conv.eagerName == "3.conv2d")
    #expect(view.ops.filter { $0.opType == "Gemm" }.map(\.eagerName) == ["12.linear", "14.linear"])
    for (mode, selector) in [(QuantizerConfig.ExecutionMode.eager, "3.conv2d"), (.graph, "conv2d_1")] {
      let resolution = ConfigResolver(config: Self.config(disabling: selector, mode: mode), model: model).resolve()
      #expect(resolution.ops.filter { !$0.isQuantized }.map(\.op.eagerName) == ["3.conv2d"], "\(mode)")
      #expect(!resolution.findings.contains { $0.id == ConfigFinding.ID.unmatchedSelector }, "\(mode)")
    }
    let wrong = ConfigResolver(config: Self.config(disabling: "conv2d_1", mode: .eager), model: model).resolve()
    #expect(wrong.findings.contains { $0.id == ConfigFinding.ID.unmatchedSelector })
  }
}
