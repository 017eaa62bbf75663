import RecastGraph
import RecastQuantization
import RecastTensor
import Testing

@Suite struct ConfigModelViewTests {
  /// Graph-mode names of the digits network's quantizable ops (coreai-opt's, from the conformance README).
  static let digitsOpNames = [
    "conv2d", "relu", "conv2d_1", "relu_1", "max_pool2d", "conv2d_2", "relu_2", "max_pool2d_1", "flatten", "linear",
    "relu_3", "linear_1",
  ]

  @Test(arguments: ["digits_cnn_bn.onnx", "digits_cnn_bn.dynamo.onnx"])
  func digitsOpsHaveTorchGraphModeNames(file: String) throws {
    guard let model = try ConfigFixtures.sharedModel(file) else { return }
    let view = QuantizableModel(model)
    #expect(view.ops.map(\.atenName) == Self.digitsOpNames)
    #expect(view.ops.map(\.module.path) == ["0", "2", "3", "5", "6", "7", "9", "10", "11", "12", "13", "14"])
    #expect(view.modules.map(\.path) == [""] + (0...14).map(String.init))
    let conv = try #require(view.ops.first)
    #expect(conv.state.map(\.parameter) == ["weight"])  // bias-free conv; the dynamo zero bias is computed
    #expect(conv.state.first?.value == "0.weight")
    #expect(conv.foldedBatchNorm != nil)
    #expect(conv.inputs.map(\.value) == ["input"])
    let linear = try #require(view.ops.first { $0.atenName == "linear" })
    #expect(linear.state.map(\.parameter) == ["weight", "bias"])
    #expect(linear.weightAxes == WeightAxes(channel: 0, block: 1))
    #expect(linear.types.contains("Gemm") && linear.types.contains("linear"))
    #expect(view.allOpNames.contains("batch_norm_2"))
    if file.contains("dynamo") {
      #expect(view.hasModuleTypes)
      #expect(conv.module.type == "torch.nn.modules.conv.Conv2d")
      #expect(view.modules.first?.type == "torch.nn.modules.container.Sequential")
      #expect(view.ops.first { $0.atenName == "flatten" }?.exporterName == "view")
      #expect(view.ops.first { $0.atenName == "flatten" }?.opType == "Reshape")
    } else {
      #expect(!view.hasModuleTypes)
      #expect(conv.name == "/0/Conv")
    }
  }

  @Test func moduleTypeSelectorsAreUnmatchedOnTorchScriptExports() throws {
    guard let model = try ConfigFixtures.sharedModel("digits_cnn_bn.onnx") else { return }
    let config = QuantizerConfig().setModuleType("torch.nn.modules.linear.Linear", nil)
    let findings = ConfigResolver(config: config, model: model).resolve().findings
    let finding = try #require(findings.first)
    #expect(findings.count == 1)
    #expect(finding.id == ConfigFinding.ID.unmatchedSelector)
    #expect(finding.diagnostic.help?.contains("records no module types") == true)
  }

  @Test func fullMatchOnModuleNamesOfTheDigitsNetwork() throws {
    // coreai-opt case c4: "1" is module 1 only, never 10, 12 or 14.
    guard let model = try ConfigFixtures.sharedModel("digits_cnn_bn.onnx") else { return }
    let config = QuantizerConfig(
      global: .weightOnly(.w8PerChannel0), moduleNameConfigs: ["1": .weightOnly(.w2PerChannel0)])
    let resolution = ConfigResolver(config: config, model: model).resolve()
    #expect(resolution.moduleSource("1") == .moduleName("1"))
    for module in ["10", "12", "14"] { #expect(resolution.moduleSource(module) == .global(isLibraryDefault: false)) }
    #expect(resolution.weight(of: "linear")?.spec == .w8PerChannel0)
    #expect(resolution.findings.map(\.id) == [ConfigFinding.ID.noQuantizableOps])
  }

  struct AxisCase: Sendable, CustomTestStringConvertible {
    var opType: String
    var input: [Int]
    var weight: [Int]
    var weightSlot = 1
    var attributes: OrderedMap<String, Attribute> = [:]
    var channel: Int
    var block: Int
    var testDescription: String { "\(opType) \(weight)" }
  }

  @Test(arguments: [
    AxisCase(opType: "Conv", input: [1, 16, 8, 8], weight: [32, 16, 3, 3], channel: 0, block: 1),
    AxisCase(opType: "ConvTranspose", input: [1, 16, 8, 8], weight: [16, 32, 3, 3], channel: 1, block: 0),
    AxisCase(opType: "Gemm", input: [1, 64], weight: [32, 64], attributes: ["transB": .int(1)], channel: 0, block: 1),
    AxisCase(opType: "Gemm", input: [1, 64], weight: [64, 32], channel: 1, block: 0),
    AxisCase(opType: "MatMul", input: [2, 7, 64], weight: [64, 32], channel: 1, block: 0),
    AxisCase(opType: "MatMul", input: [64, 5], weight: [32, 64], weightSlot: 0, channel: 0, block: 1),
    AxisCase(opType: "Gather", input: [2, 7], weight: [100, 64], weightSlot: 0, channel: 0, block: 1),
  ])
  func defaultWeightAxes(_ axisCase: AxisCase) throws {
    let inputType: DataType = axisCase.opType == "Gather" ? .int64 : .float32
    let model = ConfigFixtures.single(
      axisCase.opType, input: axisCase.input, weightShape: axisCase.weight, weightSlot: axisCase.weightSlot,
      attributes: axisCase.attributes, inputType: inputType)
    let perChannel = ConfigResolver(config: .presets.w8(), model: model).resolve()
    let op = try #require(perChannel.ops.first)
    #expect(op.state.first?.spec?.granularity == .perChannel(axis: axisCase.channel))
    #expect(perChannel.findings.isEmpty, "\(perChannel.findings.map(\.message))")
    let perBlock = ConfigResolver(config: .presets.w4PerBlock(blockSize: 16), model: model).resolve()
    #expect(perBlock.ops.first?.state.first?.spec?.granularity == .perBlock(axis: axisCase.block, blockSize: 16))
    if axisCase.opType == "Gather" {
      #expect(op.op.atenType == "embedding")
      #expect(op.inputs.isEmpty)  // int64 indices are not activations
    }
    if axisCase.opType == "MatMul", axisCase.weightSlot == 1 { #expect(op.op.atenType == "linear") }
  }

  @Test func blockSizeThatDoesNotDivideTheAxisNamesBothNumbers() throws {
    let model = ConfigFixtures.single("Gemm", input: [1, 64], weightShape: [32, 64], attributes: ["transB": .int(1)])
    let resolution = ConfigResolver(config: .presets.w4PerBlock(blockSize: 48), model: model).resolve()
    let finding = try #require(resolution.findings.first)
    #expect(finding.id == ConfigFinding.ID.blockSize)
    #expect(finding.message.contains("block size 48") && finding.message.contains("size 64"))
    #expect(finding.path == ["global_config", "op_state_spec", "weight"])
  }

  @Test func perChannelAxisOutOfRangeIsReported() throws {
    let model = ConfigFixtures.single("Gemm", input: [1, 64], weightShape: [32, 64], attributes: ["transB": .int(1)])
    let spec = QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: 2))
    let resolution = ConfigResolver(config: QuantizerConfig(global: .weightOnly(spec)), model: model).resolve()
    #expect(resolution.findings.map(\.id) == [ConfigFinding.ID.axisOutOfRange])
    #expect(resolution.findings.first?.message.contains("rank 2") == true)
    let negative = QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: -1))
    let resolved = ConfigResolver(config: QuantizerConfig(global: .weightOnly(negative)), model: model).resolve()
    #expect(resolved.ops.first?.state.first?.spec?.granularity == .perChannel(axis: 1))
  }

  @Test func perChannelActivationsNeedAnAxis() {
    let model = ConfigFixtures.single("Gemm", input: [1, 64], weightShape: [32, 64], attributes: ["transB": .int(1)])
    let spec = QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: nil))
    let config = QuantizerConfig(global: ModuleQuantizerConfig(opInputSpec: .all(spec)))
    let findings = ConfigResolver(config: config, model: model).resolve().findings
    #expect(findings.map(\.id) == [ConfigFinding.ID.missingAxis])
  }

  @Test func matMulPlusBiasAddIsOneLinearOp() throws {
    let graph = Graph(
      nodes: [
        Node(name: "/fc/MatMul", opType: "MatMul", inputs: ["x", "w"], outputs: ["m"]),
        Node(name: "/fc/Add", opType: "Add", inputs: ["b", "m"], outputs: ["y"]),
        Node(name: "/Add", opType: "Add", inputs: ["y", "x"], outputs: ["z"]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: [2, 7, 64])],
      outputs: [ValueInfo(name: "z", elementType: .float32)],
      initializers: ["w": ConfigFixtures.weight([64, 64]), "b": ConfigFixtures.weight([64])])
    let view = QuantizableModel(Model(graph: graph))
    #expect(view.ops.map(\.atenName) == ["linear", "add"])
    let linear = try #require(view.ops.first)
    #expect(linear.state.map(\.parameter) == ["weight", "bias"])
    #expect(linear.outputs.map(\.value) == ["y"])
    #expect(linear.fusedBiasAdd == 1)
    #expect(linear.module.path == "fc")
    #expect(view.ops[1].inputs.map(\.value) == ["y", "x"])
  }

  @Test func miniLMTransformerNames() throws {
    guard let model = try ConfigFixtures.sharedModel("minilm_l6_v2.onnx") else { return }
    let view = QuantizableModel(model)
    let linears = view.ops.filter { $0.atenType == "linear" }
    #expect(linears.count == 36)  // 6 layers x (query, key, value, attention output, intermediate, output)
    #expect(linears.allSatisfy { $0.state.map(\.parameter) == ["weight", "bias"] })
    #expect(linears.allSatisfy { $0.weightAxes == WeightAxes(channel: 1, block: 0) })
    #expect(view.ops.filter { $0.atenType == "embedding" }.count == 3)
    #expect(view.ops.filter { $0.atenType == "softmax" }.count == 6)
    let resolution = ConfigResolver(config: .presets.w4(), view: view).resolve()
    #expect(resolution.findings.isEmpty, "\(resolution.findings.map(\.message))")
    #expect(resolution.ops.filter { $0.isQuantized }.count == 39)
  }
}
