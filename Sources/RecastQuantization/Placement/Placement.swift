public import RecastGraph

/// Decides where quantizers go for a resolved config, in graph or eager mode (DESIGN.md §3.3).
///
/// | | graph (default) | eager |
/// |---|---|---|
/// | Conv + BatchNormalization | BN folded into the Conv weight and bias (`BatchNormFolding`) | BN kept |
/// | fusion patterns (`PatternRegistry`) | one input and one output quantizer per block | every op its own |
/// | value-preserving ops (`sharingOpTypes`) | output shares its input's qparams | own quantizers |
/// | one edge | one quantizer per value (site `.value`) | producer output (`.value`) + consumer input (`.input`) |
/// | known ranges | ReLU output asymmetric; Sigmoid / Tanh fixed uint8 qparams | as configured |
/// | names | `relu_1.out0`, `graph_input` | `3.conv2d_quantize_input` |
///
/// Graph mode, one value with several requests (the producer's output spec and consumers' input specs): the
/// producer's spec wins, then a module boundary's, then the first consumer's in graph order; the `reason` records
/// any consumer that asked for a different spec. coreai-opt's digits results agree (`relu.out0` is asymmetric
/// although `conv2d_1` asks for a symmetric input).
///
/// Eager mode quantizes the inputs and outputs of the op kinds in `Options.eagerOpTypes` only — coreai-opt's eager
/// mode attaches no activation quantizers to ReLU, Flatten or BatchNorm calls — and weights of every op.
public enum Placement {
  /// Placement choices beyond the execution mode.
  public struct Options: Sendable {
    /// Pattern names to use (`nil`: every registered pattern).
    public var enabledPatterns: Set<String>?
    /// Pattern names to skip.
    public var disabledPatterns: Set<String>
    /// Where patterns are looked up.
    public var registry: PatternRegistry
    /// Graph mode: fold BatchNormalization into the Conv before it.
    public var foldBatchNorm: Bool
    /// Eager mode: the ONNX op types whose activations get quantizers.
    public var eagerOpTypes: Set<String>

    public init(
      enabledPatterns: Set<String>? = nil, disabledPatterns: Set<String> = [],
      registry: PatternRegistry = .shared, foldBatchNorm: Bool = true,
      eagerOpTypes: Set<String> = Placement.defaultEagerOpTypes
    ) {
      self.enabledPatterns = enabledPatterns
      self.disabledPatterns = disabledPatterns
      self.registry = registry
      self.foldBatchNorm = foldBatchNorm
      self.eagerOpTypes = eagerOpTypes
    }
  }

  /// Ops whose output has the range of their input (graph mode shares one quantizer across input and output):
  /// pooling, flatten/reshape/transpose/squeeze/unsqueeze, concat, slice, split, and Gather on activations.
  public static let sharingOpTypes: Set<String> = [
    "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze",
    "Concat", "Slice", "Split", "Gather",
  ]

  /// Op types eager mode puts activation quantizers on: weighted ops, pooling, and elementwise/arithmetic calls
  /// (not activation functions or shape manipulation, as coreai-opt's eager registry does for the digits net).
  public static let defaultEagerOpTypes: Set<String> = [
    "Conv", "ConvTranspose", "Gemm", "MatMul", "Gather", "MaxPool", "AveragePool", "GlobalAveragePool", "Add",
    "Mul", "Concat", "Softmax", "LayerNormalization",
  ]

  /// The plan for `resolution` (resolved against `model`) in `mode`. Graph mode uses the patterns the config selects
  /// (`resolution.fusionPatterns`) narrowed by `options`: enabled by both, minus what either disables.
  /// - Throws: for an unknown pattern name in the config or `options`, or a Conv + BatchNormalization pair that
  ///   cannot be folded.
  public static func plan(
    resolution: ConfigResolution, model: Model, mode: QuantizerConfig.ExecutionMode = .graph,
    options: Options = Options()
  ) throws(QuantizationError) -> QuantizationPlan {
    var builder = PlanBuilder(
      resolution: resolution, graph: model.graph, mode: mode, opset: model.defaultOpset ?? 17)
    if mode == .graph {
      let selection = resolution.fusionPatterns.narrowed(
        by: FusionPatternSelection(
          enabled: options.enabledPatterns.map { $0.sorted() }, disabled: options.disabledPatterns.sorted()))
      let patterns = try options.registry.active(
        enabled: selection.enabled.map(Set.init), disabled: Set(selection.disabled))
      builder.matchBlocks(patterns: patterns)
      if options.foldBatchNorm { try builder.foldBatchNorms() }
    }
    builder.placeWeights()
    switch mode {
    case .graph: builder.placeGraphActivations()
    case .eager: builder.placeEagerActivations(opTypes: options.eagerOpTypes)
    }
    return builder.finish()
  }

  /// The plan for `config` on `model`: resolves the config, then places in the config's execution mode.
  public static func plan(
    config: QuantizerConfig, model: Model, options: Options = Options()
  ) throws(QuantizationError) -> QuantizationPlan {
    let resolution = ConfigResolver(config: config, model: model).resolve()
    return try plan(resolution: resolution, model: model, mode: config.executionMode, options: options)
  }
}
