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

  public init(
    mode: QuantizerConfig.ExecutionMode, graph: Graph, weights: [WeightQuantizer], activations: [ActivationQuantizer]
  ) {
    self.mode = mode
    self.graph = graph
    self.weights = weights
    self.activations = activations
  }
}

/// A weight (state tensor) quantizer: quantized once, from the initializer's own values.
public struct WeightQuantizer: Sendable, Hashable {
  /// The initializer in `QuantizationPlan.graph` holding the (possibly BN-folded) float weight.
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

  public init(
    initializer: String, node: String, slot: Int, parameter: String, spec: QuantizationSpec, source: SpecSource,
    foldedBatchNorm: String? = nil
  ) {
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

  public init(
    id: Int, value: String, site: Site, spec: QuantizationSpec, source: SpecSource, sharesQParamsWith: Int? = nil,
    fixedRange: ClosedRangeBounds? = nil, reason: String
  ) {
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
