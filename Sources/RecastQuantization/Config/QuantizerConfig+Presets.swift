/// Built-in scope presets, the same schemes as coreai-opt's `ModuleQuantizerConfig.presets` and Recast's
/// `recipes/*.yaml`. Weight-only presets set `op_input_spec` and `op_output_spec` to `null`.
public struct ModuleQuantizerConfigPresets: Sendable {
  /// int8 symmetric per-output-channel weights, float activations.
  public func w8() -> ModuleQuantizerConfig {
    weightOnly(QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: nil)))
  }

  /// int4 symmetric weights in blocks of 32 along the input axis (coreai-opt's `w4()`), float activations.
  public func w4() -> ModuleQuantizerConfig { w4PerBlock(blockSize: 32) }

  /// int4 symmetric per-output-channel weights, float activations.
  public func w4PerChannel() -> ModuleQuantizerConfig {
    weightOnly(QuantizationSpec(dtype: .int4, granularity: .perChannel(axis: nil)))
  }

  /// int4 symmetric weights in blocks of `blockSize` along the input axis, float activations.
  public func w4PerBlock(blockSize: Int = 32) -> ModuleQuantizerConfig {
    weightOnly(QuantizationSpec(dtype: .int4, granularity: .perBlock(axis: nil, blockSize: blockSize)))
  }

  /// coreai-opt's default: int8 per-channel static weights, int8 symmetric per-tensor moving-average activations.
  public func w8a8() -> ModuleQuantizerConfig {
    ModuleQuantizerConfig(
      opInputSpec: .all(.defaultActivation), opOutputSpec: .all(.defaultActivation),
      opStateSpec: ["weight": .defaultWeight])
  }

  /// onnxruntime `quantize_static`'s scheme: uint8 asymmetric per-tensor activations (global min/max over all
  /// calibration batches), int8 symmetric per-channel weights with onnxruntime's narrow range (`s = a / 127`).
  public func w8a8Asym() -> ModuleQuantizerConfig {
    let activation = QuantizationSpec(
      dtype: .uint8, qscheme: .asymmetric, granularity: .perTensor, qparamCalculator: "global_minmax")
    let weight = QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: nil), narrowRange: true)
    return ModuleQuantizerConfig(
      opInputSpec: .all(activation), opOutputSpec: .all(activation), opStateSpec: ["weight": weight])
  }

  /// `w8a8Asym()` on MatMul inputs only: every MatMul's activation inputs (uint8 asymmetric, global min/max) and
  /// constant weight (int8 per channel); outputs and all other ops, embeddings included, stay float, so the
  /// residual stream, LayerNorm, GELU and the attention scores keep full precision. onnxruntime's
  /// `quantize_static(op_types_to_quantize=["MatMul"])` also quantizes the 48 MatMul outputs (the attention scores
  /// at a scale of 1.27 in MiniLM): 0.9434 mean cosine there, 0.9897 with this preset.
  public func w8a8AsymMatMul() -> ModuleQuantizerConfig {
    let scheme = w8a8Asym()
    let matMul = OpQuantizerConfig(
      opInputSpec: scheme.opInputSpec, opOutputSpec: .disabled, opStateSpec: scheme.opStateSpec)
    return ModuleQuantizerConfig(opInputSpec: .disabled, opOutputSpec: .disabled, opStateSpec: .disabled)
      .setOpType("MatMul", matMul)
  }

  /// `w8a8Asym()` with a transformer's residual stream in float: `Add` (residual sums, but also every other Add)
  /// neither quantizes its inputs nor its output, `LayerNormalization` quantizes its output only, and `linear` ops
  /// quantize their inputs and weight but not their output. Residual sums carry outlier channels (MiniLM layer 0:
  /// 0.90 per uint8 level), so per-tensor 8 bits there costs most of W8A8's error: on MiniLM this preset gives a
  /// mean cosine of 0.9880 (min 0.9776) against 0.8647 for `w8a8Asym()`, with 132 activation quantizers against
  /// 164. Attention, Softmax, GELU and embeddings stay quantized.
  public func w8a8AsymFloatResidual() -> ModuleQuantizerConfig {
    let scheme = w8a8Asym()
    return
      scheme
      .setOpType("Add", OpQuantizerConfig(opInputSpec: .disabled, opOutputSpec: .disabled, opStateSpec: .disabled))
      .setOpType(
        "LayerNormalization",
        OpQuantizerConfig(opInputSpec: .disabled, opOutputSpec: scheme.opOutputSpec, opStateSpec: .disabled))
      .setOpType(
        "linear",
        OpQuantizerConfig(opInputSpec: scheme.opInputSpec, opOutputSpec: .disabled, opStateSpec: scheme.opStateSpec))
  }

  /// float8_e4m3fn weights (per output channel) and activations (per tensor), symmetric.
  public func fp8() -> ModuleQuantizerConfig {
    let activation = QuantizationSpec(dtype: .float8_e4m3fn, granularity: .perTensor)
    return ModuleQuantizerConfig(
      opInputSpec: .all(activation), opOutputSpec: .all(activation),
      opStateSpec: ["weight": QuantizationSpec(dtype: .float8_e4m3fn, granularity: .perChannel(axis: nil))])
  }

  /// Weight-only MXFP4: float4_e2m1fn in blocks of 32 along the input axis with power-of-two (float8_e8m0fnu)
  /// scales; float activations.
  public func mxfp4() -> ModuleQuantizerConfig {
    weightOnly(
      QuantizationSpec(
        dtype: .float4_e2m1fn, granularity: .perBlock(axis: nil, blockSize: 32), scaleDType: .float8_e8m0fnu))
  }

  private func weightOnly(_ weight: QuantizationSpec) -> ModuleQuantizerConfig {
    ModuleQuantizerConfig(opInputSpec: .disabled, opOutputSpec: .disabled, opStateSpec: ["weight": weight])
  }
}

/// Built-in whole-model presets: each puts the matching `ModuleQuantizerConfigPresets` scope in `global_config`.
public struct QuantizerConfigPresets: Sendable {
  private let scopes = ModuleQuantizerConfigPresets()

  public func w8() -> QuantizerConfig { QuantizerConfig(global: scopes.w8()) }
  public func w4() -> QuantizerConfig { QuantizerConfig(global: scopes.w4()) }
  public func w4PerChannel() -> QuantizerConfig { QuantizerConfig(global: scopes.w4PerChannel()) }
  public func w4PerBlock(blockSize: Int = 32) -> QuantizerConfig {
    QuantizerConfig(global: scopes.w4PerBlock(blockSize: blockSize))
  }
  public func w8a8() -> QuantizerConfig { QuantizerConfig(global: scopes.w8a8()) }
  public func w8a8Asym() -> QuantizerConfig { QuantizerConfig(global: scopes.w8a8Asym()) }
  public func w8a8AsymMatMul() -> QuantizerConfig { QuantizerConfig(global: scopes.w8a8AsymMatMul()) }
  public func w8a8AsymFloatResidual() -> QuantizerConfig { QuantizerConfig(global: scopes.w8a8AsymFloatResidual()) }
  public func fp8() -> QuantizerConfig { QuantizerConfig(global: scopes.fp8()) }
  public func mxfp4() -> QuantizerConfig { QuantizerConfig(global: scopes.mxfp4()) }
}

extension QuantizerConfig {
  /// Built-in whole-model presets (`QuantizerConfig.presets.w4()`).
  public static var presets: QuantizerConfigPresets { QuantizerConfigPresets() }
}

extension ModuleQuantizerConfig {
  /// Built-in scope presets (`ModuleQuantizerConfig.presets.w8()`).
  public static var presets: ModuleQuantizerConfigPresets { ModuleQuantizerConfigPresets() }
}
