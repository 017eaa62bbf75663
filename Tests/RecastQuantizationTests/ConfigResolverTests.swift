import RecastDiagnostics
import RecastGraph
import RecastQuantization
import Testing

@Suite struct ConfigResolverTests {
  let model = ConfigFixtures.mlp()

  func resolve(_ config: QuantizerConfig) -> ConfigResolution {
    ConfigResolver(config: config, model: model).resolve()
  }

  @Test func defaultConfigIsW8A8FromTheLibraryDefault() throws {
    let resolution = resolve(QuantizerConfig())
    let linear = try #require(resolution.op(named: "linear"))
    #expect(linear.scope == .global(isLibraryDefault: true))
    #expect(linear.inputs.map(\.spec) == [.defaultActivation])
    #expect(linear.outputs.map(\.spec) == [.defaultActivation])
    let weight = try #require(resolution.weight(of: "linear"))
    #expect(weight.spec?.granularity == .perChannel(axis: 0))
    #expect(weight.spec?.dtype == .int8)
    #expect(weight.source.description == "global (library default) › op_state_spec[weight] (library default)")
    let bias = try #require(linear.state.first { $0.tensor.parameter == "bias" })
    #expect(bias.spec == nil)
    #expect(bias.source.outcome == .noKey)
    #expect(resolution.findings.isEmpty, "\(resolution.findings.map(\.message))")
  }

  @Test func moduleNameBeatsModuleTypeBeatsGlobal() throws {
    let config = QuantizerConfig(
      global: .weightOnly(.w8PerChannel0),
      moduleTypeConfigs: [ConfigFixtures.linearType: .weightOnly(.w4PerChannel0)],
      moduleNameConfigs: ["head": .weightOnly(.w8PerTensor)])
    let resolution = resolve(config)
    #expect(resolution.weight(of: "linear")?.spec == .w4PerChannel0)
    #expect(resolution.weight(of: "linear")?.source.scope == .moduleType(ConfigFixtures.linearType))
    #expect(resolution.weight(of: "linear_1")?.spec == .w8PerTensor)
    #expect(resolution.weight(of: "linear_1")?.source.description == "module_name:head › op_state_spec[weight]")
    #expect(resolution.moduleSource("enc.act") == .global(isLibraryDefault: false))
    #expect(resolution.moduleSource("") == .global(isLibraryDefault: false))
  }

  @Test func laterEntryWinsWithinALevel() {
    let first = resolve(
      QuantizerConfig(moduleNameConfigs: [
        "enc.*": .weightOnly(.w2PerChannel0), "enc\\.fc": .weightOnly(.w4PerChannel0),
      ]))
    #expect(first.weight(of: "linear")?.spec == .w4PerChannel0)
    let second = resolve(
      QuantizerConfig(moduleNameConfigs: [
        "enc\\.fc": .weightOnly(.w4PerChannel0), "enc.*": .weightOnly(.w2PerChannel0),
      ]))
    #expect(second.weight(of: "linear")?.spec == .w2PerChannel0)
    #expect(
      second.findings.contains {
        $0.id == ConfigFinding.ID.shadowedRule && $0.path == ["module_name_configs", "enc\\.fc"]
      })
  }

  @Test func selectorsMatchWholeNames() {
    let resolution = resolve(QuantizerConfig(moduleNameConfigs: ["en": nil, "ead": nil]))
    #expect(resolution.op(named: "linear")?.isQuantized == true)
    #expect(resolution.op(named: "linear_1")?.isQuantized == true)
    #expect(resolution.findings.filter { $0.id == ConfigFinding.ID.unmatchedSelector }.count == 2)
  }

  @Test func nullScopeDisablesUnlessAMoreSpecificLevelReEnables() throws {
    // A null module-name scope covers the module's submodules; a module type cannot re-enable them (lower level).
    let disabled = resolve(
      QuantizerConfig(
        moduleTypeConfigs: [ConfigFixtures.linearType: .weightOnly(.w4PerChannel0)], moduleNameConfigs: ["enc": nil]))
    let linear = try #require(disabled.op(named: "linear"))
    #expect(!linear.isQuantized)
    #expect(linear.state[0].source.outcome == .scopeNull)
    #expect(linear.state[0].source.description == "module_name:enc = null")
    #expect(disabled.weight(of: "linear_1")?.spec == .w4PerChannel0)
    // The innermost module's own name entry re-enables it.
    let reEnabled = resolve(QuantizerConfig(moduleNameConfigs: ["enc": nil, "enc\\.fc": .weightOnly(.w8PerTensor)]))
    #expect(reEnabled.weight(of: "linear")?.spec == .w8PerTensor)
    #expect(reEnabled.op(named: "relu")?.isQuantized == false)
    // global null: only the re-enabled type scope quantizes.
    let onlyLinear = resolve(
      QuantizerConfig(global: nil, moduleTypeConfigs: [ConfigFixtures.linearType: .weightOnly(.w4PerChannel0)]))
    #expect(onlyLinear.op(named: "softmax")?.isQuantized == false)
    #expect(onlyLinear.op(named: "softmax")?.outputs[0].source.outcome == .scopeNull)
    #expect(onlyLinear.weight(of: "linear_1")?.spec == .w4PerChannel0)
  }

  @Test func nullFieldsKeysAndOps() throws {
    let scope = ModuleQuantizerConfig(
      opInputSpec: .disabled, opStateSpec: ["weight": nil, "bias": .w8PerTensor],
      opTypeConfig: ["softmax": nil])
    let resolution = resolve(QuantizerConfig(global: scope))
    let linear = try #require(resolution.op(named: "linear"))
    #expect(linear.inputs[0].source.outcome == .fieldNull)
    #expect(linear.outputs[0].spec == .defaultActivation)
    #expect(linear.outputs[0].source.isLibraryDefault)
    #expect(linear.state[0].source.outcome == .keyNull(key: "weight"))
    #expect(linear.state[1].spec?.granularity == .perTensor)
    let softmax = try #require(resolution.op(named: "softmax"))
    #expect(!softmax.isQuantized)
    #expect(softmax.outputs[0].source.description == "global › op_type:softmax = null")
  }

  @Test func omittedFieldsFallBackToTheLibraryDefaultNotTheEnclosingScope() throws {
    // coreai-opt case c2: the type entry gives only op_state_spec; its activations are the library default even
    // though the global scope disables them.
    let config = QuantizerConfig(
      global: .weightOnly(.w8PerChannel0),
      moduleTypeConfigs: [ConfigFixtures.linearType: ModuleQuantizerConfig(opStateSpec: ["weight": .w4PerChannel0])])
    let linear = try #require(resolve(config).op(named: "linear"))
    #expect(linear.inputs[0].spec == .defaultActivation)
    #expect(linear.inputs[0].source.isLibraryDefault)
    #expect(linear.state[0].spec == .w4PerChannel0)
  }

  @Test func opNameBeatsOpTypeBeatsScopeFields() {
    let w4 = OpQuantizerConfig(opInputSpec: .disabled, opOutputSpec: .disabled, opStateSpec: ["weight": .w4PerChannel0])
    let scope = ModuleQuantizerConfig.presets.w8().setOpType("linear", w4).setOpName("linear_1", nil)
    let resolution = resolve(QuantizerConfig(global: scope))
    #expect(resolution.weight(of: "linear")?.spec == .w4PerChannel0)
    #expect(resolution.weight(of: "linear")?.source.rule == .opType("linear"))
    #expect(resolution.op(named: "linear_1")?.isQuantized == false)
    #expect(resolution.op(named: "linear_1")?.state[0].source.rule == .opName("linear_1"))
  }

  @Test(arguments: [
    ("Gemm", "op_type"), ("linear", "op_type"), ("head_node", "op_name"), ("linear_1", "op_name"),
  ])
  func onnxAndTorchNamesSelectTheSameOps(selector: String, kind: String) {
    let scope =
      kind == "op_type"
      ? ModuleQuantizerConfig().setOpType(selector, nil) : ModuleQuantizerConfig().setOpName(selector, nil)
    let resolution = resolve(QuantizerConfig(global: scope))
    #expect(resolution.op(named: "linear_1")?.isQuantized == false)
    #expect(resolution.op(named: "softmax")?.isQuantized == true)
  }

  @Test func unmatchedSelectorsSuggestModelNames() {
    let config = QuantizerConfig(
      global: ModuleQuantizerConfig().setOpType("Softmaxx", nil).setOpName("linear_7", nil),
      moduleTypeConfigs: ["torch.nn.modules.linear.Linearr": nil], moduleNameConfigs: ["hed": nil])
    let findings = resolve(config).findings.filter { $0.id == ConfigFinding.ID.unmatchedSelector }
    #expect(findings.count == 4)
    var help: [String: String] = [:]
    for finding in findings { help[finding.path.last ?? ""] = finding.diagnostic.help ?? "" }
    #expect(help["hed"] == "did you mean 'head'?")
    #expect(help["Softmaxx"] == "did you mean 'Softmax'?")
    #expect(help["torch.nn.modules.linear.Linearr"] == "did you mean 'torch.nn.modules.linear.Linear'?")
    #expect(findings.allSatisfy { $0.severity == .error })
  }

  @Test func opEntriesOutsideTheirScopeAreReported() {
    let config = QuantizerConfig(
      global: ModuleQuantizerConfig().setOpName("linear_1", nil),
      moduleNameConfigs: ["head": ModuleQuantizerConfig()])
    let findings = resolve(config).findings
    #expect(
      findings.contains {
        $0.id == ConfigFinding.ID.shadowedRule && $0.path == ["global_config", "op_name_config", "linear_1"]
      })
  }

  @Test func quantizingNothingIsReported() {
    let findings = resolve(QuantizerConfig(global: nil)).findings
    #expect(findings.map(\.id) == [ConfigFinding.ID.quantizesNothing])
  }

  @Test func moduleBoundarySpecsApplyToTheModuleItselfOnly() throws {
    let act = QuantizationSpec.defaultActivation
    let enc = ModuleQuantizerConfig(
      opInputSpec: .disabled, opOutputSpec: .disabled, opStateSpec: .disabled,
      moduleInputSpec: ["0": act], moduleOutputSpec: ["*": act])
    let resolution = resolve(QuantizerConfig(moduleNameConfigs: ["enc": enc]))
    let boundary = resolution.boundaryTensors
    #expect(boundary.map(\.value) == ["x", "h2"])
    #expect(boundary.allSatisfy { $0.module.path == "enc" })
    #expect(boundary.first?.source.description == "module_name:enc › module 'enc' boundary › module_input_spec[0]")
    // Internal ops of enc follow the scope's (null) op specs; h1 (enc.fc → enc.act) is not a boundary of enc.
    #expect(resolution.op(named: "linear")?.isQuantized == false)
  }

  @Test func explainAndJSONNameEveryTensorAndRule() {
    let resolution = resolve(QuantizerConfig.presets.w8().setModuleName("head", nil))
    let text = resolution.explainText()
    #expect(text.contains("linear ('fc_node', Gemm)  module enc.fc (torch.nn.modules.linear.Linear)  scope global"))
    #expect(text.contains("int8 symmetric per_channel(axis=0)"))
    #expect(text.contains("module_name:head = null"))
    let json = JSONWriter.render(resolution.json())
    #expect(json.contains("\"module_config_source\":{\"\":\"global\""))
    #expect(json.contains("\"head\":\"module_name:head\""))
  }
}
