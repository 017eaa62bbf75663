import RecastQuantization
import Testing

@Suite struct ConfigTypesTests {
  @Test func defaultsAreW8A8() {
    let scope = ModuleQuantizerConfig()
    #expect(scope.opInputSpec == nil && scope.opOutputSpec == nil && scope.opStateSpec == nil)
    #expect(QuantizerConfig().globalConfig == .libraryDefault)
    #expect(QuantizerConfig().globalConfig.effective == ModuleQuantizerConfig())
    #expect(QuantizerConfig().executionMode == .graph)
    #expect(OpQuantizerConfig.defaultActivationSpecs.lookup(keys: ["0"])?.spec == .defaultActivation)
    #expect(OpQuantizerConfig.defaultStateSpecs.lookup(keys: ["weight"])?.spec == .defaultWeight)
    #expect(OpQuantizerConfig.defaultStateSpecs.lookup(keys: ["bias"]) == nil)
    #expect(QuantizationSpec.defaultActivation.granularity == .perTensor)
    #expect(QuantizationSpec.defaultWeight.granularity == .perChannel(axis: nil))
  }

  @Test func omittedAndNullGlobalConfigsDiffer() {
    #expect(QuantizerConfig(global: nil).globalConfig == .disabled)
    #expect(QuantizerConfig(global: nil).globalConfig.effective == nil)
    #expect(QuantizerConfig().setGlobal(nil) == QuantizerConfig(global: nil))
  }

  @Test func tensorSpecKeysPreferExactOverStar() {
    let specs: TensorSpecs = ["*": .defaultActivation, "1": nil, "weight": .defaultWeight]
    #expect(specs.lookup(keys: ["0"])?.key == "*")
    #expect(specs.lookup(keys: ["1"])?.key == "1")
    #expect(specs.lookup(keys: ["1"])?.spec == nil)
    #expect(specs.lookup(keys: ["weight", "1"])?.spec == .defaultWeight)
    #expect(TensorSpecs.disabled.lookup(keys: ["0"]) == nil)
  }

  @Test func presetsFollowCoreaiOpt() throws {
    let w4 = try #require(QuantizerConfig.presets.w4().globalConfig.effective)
    #expect(w4.opInputSpec == .disabled && w4.opOutputSpec == .disabled)
    let w4Weight = try #require(w4.opStateSpec?.lookup(keys: ["weight"])?.spec)
    #expect(w4Weight.dtype == .int4 && w4Weight.granularity == .perBlock(axis: nil, blockSize: 32))
    #expect(QuantizerConfig.presets.w4PerBlock(blockSize: 32) == QuantizerConfig.presets.w4())
    #expect(
      QuantizerConfig.presets.w4PerChannel().globalConfig.effective?.opStateSpec?.lookup(keys: ["weight"])?.spec?
        .granularity == .perChannel(axis: nil))
    #expect(QuantizerConfig.presets.w8a8().globalConfig.effective?.opInputSpec == .all(.defaultActivation))
    let asym = QuantizerConfig.presets.w8a8Asym().globalConfig.effective?.opInputSpec?.lookup(keys: ["0"])?.spec
    #expect(asym?.dtype == .uint8 && asym?.qscheme == .asymmetric)
    let fp8 = QuantizerConfig.presets.fp8().globalConfig.effective
    #expect(fp8?.opOutputSpec?.lookup(keys: ["0"])?.spec?.dtype == .float8_e4m3fn)
    #expect(fp8?.opStateSpec?.lookup(keys: ["weight"])?.spec?.dtype == .float8_e4m3fn)
    let mx = QuantizerConfig.presets.mxfp4().globalConfig.effective?.opStateSpec?.lookup(keys: ["weight"])?.spec
    #expect(mx?.dtype == .float4_e2m1fn && mx?.scaleDType == .float8_e8m0fnu)
    #expect(mx?.granularity == .perBlock(axis: nil, blockSize: 32))
    #expect(QuantizerConfig.presets.w8().globalConfig == .config(ModuleQuantizerConfig.presets.w8()))
  }

  @Test func settersChainAndKeepPositions() {
    let config = QuantizerConfig.presets.w4()
      .setModuleType(ModuleTarget.embedding.selector, ModuleQuantizerConfig.presets.w8())
      .setModuleName("lm_head", nil)
      .setModuleType(ModuleTarget.embedding.selector, nil)
      .setExecutionMode(.eager)
    #expect(config.moduleTypeConfigs.selectors == ["torch.nn.modules.sparse.Embedding"])
    #expect(config.moduleTypeConfigs["torch.nn.modules.sparse.Embedding"] == .some(nil))
    #expect(config.moduleNameConfigs["lm_head"] == .some(nil))
    #expect(config.moduleNameConfigs["other"] == nil)
    #expect(config.executionMode == .eager)
  }

  @Test func onlyForMovesTheGlobalConfigToTheTargets() {
    let config = QuantizerConfig.presets.w4().onlyFor(.linear, .conv2d, "decoder.proj")
    let expected = QuantizerConfig(global: nil)
      .setModuleType("torch.nn.modules.linear.Linear", ModuleQuantizerConfig.presets.w4())
      .setModuleType("torch.nn.modules.conv.Conv2d", ModuleQuantizerConfig.presets.w4())
      .setModuleName("decoder.proj", ModuleQuantizerConfig.presets.w4())
    #expect(config == expected)
  }

  @Test func withoutDisablesTheTargets() {
    let config = QuantizerConfig.presets.w4().without(.layerNorm, .embedding, "model.lm_head")
    let expected = QuantizerConfig.presets.w4()
      .setModuleType("torch.nn.modules.normalization.LayerNorm", nil)
      .setModuleType("torch.nn.modules.sparse.Embedding", nil)
      .setModuleName("model.lm_head", nil)
    #expect(config == expected)
  }

  @Test func qatMilestonesConvertToSteps() {
    #expect(Milestone.epoch(1.5).step(stepsPerEpoch: 10) == 15)
    #expect(Milestone.step(7).step(stepsPerEpoch: 10) == 7)
    let schedule = QATSchedule(disableObserver: .epoch(2), freezeBN: .step(200))
    #expect(schedule.enableObserver == .step(0) && schedule.freezeBN == .step(200))
    let scope = ModuleQuantizerConfig(qatSchedule: schedule)
    #expect(scope.qatSchedule?.disableObserver == .epoch(2))
  }
}
