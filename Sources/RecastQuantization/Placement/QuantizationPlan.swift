public import RecastGraph

/// Where Recast puts quantizers in a model, for one config and execution mode: the contract between
/// placement (which decides) and the prepared model / ONNX export (which carry it out).
///
/// The plan refers to `graph` — the float graph it applies to. In graph mode that graph has
/// BatchNormalization folded into the preceding Conv (the folded weight is what gets quantized); in
/// eager mode it is the imported graph unchanged. Value names are names in `graph`.
public struct QuantizationPlan: Sendable {
  public var mode: QuantizerConfig.ExecutionMode
  /// The float graph the plan applies to (after graph-mode rewrites such as BN folding).
  public var graph: Graph
  /// One quantizer per quantized weight (state) tensor.
  public var weights: [WeightQuantizer]
  /// Activation quantizers, in graph order. `id`s index this array.
  public var activations: [ActivationQuantizer]
  /// Graph mode: the ops treated as one block (fusion patterns, BN folding), in graph order; empty in eager mode.
  public var blocks: [FusedBlock]
  /// Every quantizable op's names by node name in `graph`: graph-mode (aten-style) and eager (call-site) names.
  public var opNames: [String: OpNames]
  /// Values the config asked to quantize that placement leaves in floating point, with the reason (additive
  /// attention masks, see `AdditiveMasks`).
  public var keptFloat: [String: String]

  public init(
    mode: QuantizerConfig.ExecutionMode, graph: Graph, weights: [WeightQuantizer], activations: [ActivationQuantizer],
    blocks: [FusedBlock] = [], opNames: [String: OpNames] = [:], keptFloat: [String: String] = [:]
  ) {
    self.mode = mode
    self.graph = graph
    self.weights = weights
    self.activations = activations
    self.blocks = blocks
    self.opNames = opNames
    self.keptFloat = keptFloat
  }

  /// The activation quantizer whose qparams quantizer `id` uses: itself, or the one it shares with.
  public func qparamsOwner(of id: Int) -> ActivationQuantizer {
    activations[activations[id].sharesQParamsWith ?? id]
  }
}

/// Ops graph mode treats as one block: quantizers on the block's inputs and final output only.
public struct FusedBlock: Sendable, Hashable {
  /// The fusion pattern's name (`conv_bn_relu`), or `bn_fold` for a Conv+BN pair no pattern claimed.
  public var pattern: String
  /// The node names in chain order, as in the imported graph (a folded BatchNormalization is no longer in
  /// `QuantizationPlan.graph`).
  public var nodes: [String]
  /// The node whose resolved specs decide the block's quantizers (the first).
  public var anchor: String { nodes[0] }

  public init(pattern: String, nodes: [String]) {
    self.pattern = pattern
    self.nodes = nodes
  }
}

/// The names of one quantizable op in both execution modes.
public struct OpNames: Sendable, Hashable {
  /// Graph mode: the aten-style op name (`conv2d_1`).
  public var graph: String
  /// Eager mode: the call site, `<module path>.<aten type>[_n]` numbered within the module (`3.conv2d`), as
  /// coreai-opt's eager mode reports it; the bare call name for ops of the root module.
  public var eager: String
  /// The module path (`""` for the root).
  public var module: String

  public init(graph: String, eager: String, module: String) {
    self.graph = graph
    self.eager = eager
    self.module = module
  }
}

/// A weight (state tensor) quantizer: quantized once, from the initializer's own values.
public struct WeightQuantizer: Sendable, Hashable {
  /// The initializer in `QuantizationPlan.graph` holding the (possibly BN-folded) float weight (the output of a
  /// `Constant` node when the imported graph stores the weight that way; `Graph.constantValue(of:)` reads both).
  public var initializer: String
  /// The node that reads it, and at which input slot.
  public var node: String
  public var slot: Int
  /// The parameter name the config selected it by (`weight`, `bias`).
  public var parameter: String
  /// The spec with per-op axes resolved (`granularity` carries a concrete axis).
  public var spec: QuantizationSpec
  public var source: SpecSource
  /// The BatchNormalization node folded into this weight (graph mode), if any.
  public var foldedBatchNorm: String?
  /// coreai-opt's name for the tensor: `<module>.<parameter>` (`3.weight`).
  public var displayName: String
  /// Eager mode's name for the quantizer: `<module>.parametrizations.<parameter>.0`.
  public var eagerName: String

  public init(
    initializer: String, node: String, slot: Int, parameter: String, spec: QuantizationSpec, source: SpecSource,
    foldedBatchNorm: String? = nil, displayName: String? = nil, eagerName: String? = nil
  ) {
    self.displayName = displayName ?? parameter
    self.eagerName = eagerName ?? "parametrizations.\(parameter).0"
    self.initializer = initializer
    self.node = node
    self.slot = slot
    self.parameter = parameter
    self.spec = spec
    self.source = source
    self.foldedBatchNorm = foldedBatchNorm
  }
}

/// An activation quantizer: observes a value at run time and fake-quantizes it.
public struct ActivationQuantizer: Sendable, Hashable {
  /// Where on the edge the quantizer sits.
  public enum Site: Sendable, Hashable {
    /// On the value itself, right after its producer (or a graph input): every consumer sees the
    /// quantized value. Graph mode places all activation quantizers here.
    case value
    /// Only on what one consumer reads (node name, input slot). Eager mode places op inputs here, so
    /// two quantizers on one edge (the producer's output and the consumer's input) both exist.
    case input(node: String, slot: Int)
  }

  /// Index in `QuantizationPlan.activations`.
  public var id: Int
  /// The value (edge) in `QuantizationPlan.graph`.
  public var value: String
  public var site: Site
  public var spec: QuantizationSpec
  public var source: SpecSource
  /// The quantizer whose qparams this one uses (graph mode: MaxPool, Flatten, Reshape... share their
  /// input's); nil when it has its own observer.
  public var sharesQParamsWith: Int?
  /// Fixed qparams for outputs with a known range (graph mode: Sigmoid [0, 1], Tanh [-1, 1]); nil when observed.
  public var fixedRange: ClosedRangeBounds?
  /// Why placement made it: the op and role (`conv2d output`, `relu_1 output (ReLU: asymmetric)`), for reports.
  public var reason: String
  /// The exact qparams for a known-range output (graph mode: Sigmoid `s = 1/256, z = 0`, Tanh `s = 2/256,
  /// z = 128`, both uint8); nil when observed.
  public var fixedQParams: QParams?
  /// A short name: graph mode as coreai-opt names activations (`relu_1.out0`, `graph_input`); eager mode the
  /// call-site quantizer name (`3.conv2d_quantize_input`, `3.conv2d_quantize_output_0`).
  public var displayName: String
  /// Eager mode's call-site quantizer name; nil for graph-mode quantizers.
  public var eagerName: String?

  public init(
    id: Int, value: String, site: Site, spec: QuantizationSpec, source: SpecSource, sharesQParamsWith: Int? = nil,
    fixedRange: ClosedRangeBounds? = nil, reason: String, fixedQParams: QParams? = nil, displayName: String? = nil,
    eagerName: String? = nil
  ) {
    self.fixedQParams = fixedQParams
    self.displayName = displayName ?? eagerName ?? value
    self.eagerName = eagerName
    self.id = id
    self.value = value
    self.site = site
    self.spec = spec
    self.source = source
    self.sharesQParamsWith = sharesQParamsWith
    self.fixedRange = fixedRange
    self.reason = reason
  }
}
