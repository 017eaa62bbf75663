public import RecastTensor

/// How one op type is differentiated: which forward values its backward reads, and the backward itself.
///
/// `compile` runs once per node when a `TrainingExecutor` is built (reading attributes once, as kernels do) and
/// returns the values to keep from the forward pass plus the closure that maps output gradients to input
/// gradients. Rules for ops outside the built-in table (the quantizer's fake-quant nodes, with their
/// straight-through estimator) are registered with `GradientTable.register(_:)`:
///
/// ```swift
/// var table = GradientTable.standard
/// table.register(GradientRule(domain: "ai.recast", opType: "FakeQuantize") { site in
///   .init(savingInputs: [0]) { context in [try passInsideRange(context), nil, nil] }
/// })
/// ```
public struct GradientRule: Sendable {
  /// Input gradients in input order (`nil`: no gradient, for a non-differentiable input or one that needs none).
  public typealias Backward = @Sendable (_ context: GradientContext) throws -> [Tensor?]

  /// What `compile` sees: the node, the opset, and which inputs may need a gradient (those reachable from a
  /// trainable value; a rule may skip the work for the others and save fewer values).
  public struct Site: Sendable {
    public let node: Node
    public let opset: Int
    public let needsGradient: [Bool]

    public init(node: Node, opset: Int, needsGradient: [Bool]) {
      self.node = node
      self.opset = opset
      self.needsGradient = needsGradient
    }

    /// Whether input `index` may need a gradient.
    public func needs(_ index: Int) -> Bool { index < needsGradient.count && needsGradient[index] }
  }

  /// A rule compiled for one node: the forward values to keep (by input and output index) and the backward.
  public struct Compiled: Sendable {
    public var savedInputs: Set<Int>
    public var savedOutputs: Set<Int>
    public var backward: Backward

    public init(savingInputs inputs: Set<Int> = [], outputs: Set<Int> = [], _ backward: @escaping Backward) {
      savedInputs = inputs
      savedOutputs = outputs
      self.backward = backward
    }
  }

  /// The node domain the rule serves (`""` is `ai.onnx`).
  public var domain: String
  public var opType: String
  public var compile: @Sendable (_ site: Site) throws -> Compiled

  public init(domain: String = "", opType: String, compile: @escaping @Sendable (_ site: Site) throws -> Compiled) {
    self.domain = domain == "ai.onnx" ? "" : domain
    self.opType = opType
    self.compile = compile
  }
}

/// What a backward closure sees for one node: the forward values its rule saved, every input's and output's
/// shape and type, the gradients arriving at the outputs, and which inputs need a gradient.
public struct GradientContext: Sendable {
  /// `'name' (OpType)`, for messages.
  public let label: String
  /// The node's inputs the rule saved (`nil` when not saved or omitted).
  public let inputs: [Tensor?]
  /// The node's outputs the rule saved.
  public let outputs: [Tensor?]
  public let inputShapes: [[Int]?]
  public let inputTypes: [DataType?]
  public let outputShapes: [[Int]?]
  /// dL/d(output k); `nil` when no gradient reaches that output (read it as zeros).
  public let outputGradients: [Tensor?]
  /// Whether dL/d(input k) is wanted; the backward may return `nil` for the others.
  public let needsGradient: [Bool]

  public init(
    label: String, inputs: [Tensor?], outputs: [Tensor?], inputShapes: [[Int]?], inputTypes: [DataType?],
    outputShapes: [[Int]?], outputGradients: [Tensor?], needsGradient: [Bool]
  ) {
    self.label = label
    self.inputs = inputs
    self.outputs = outputs
    self.inputShapes = inputShapes
    self.inputTypes = inputTypes
    self.outputShapes = outputShapes
    self.outputGradients = outputGradients
    self.needsGradient = needsGradient
  }

  /// Whether input `index` needs a gradient.
  public func needs(_ index: Int) -> Bool { index < needsGradient.count && needsGradient[index] }

  /// Saved input `index`; an error if the rule did not save it or the input was omitted.
  public func input(_ index: Int) throws(AutodiffError) -> Tensor {
    guard index < inputs.count, let value = inputs[index] else {
      throw AutodiffError(.kernel, "input \(index) was not kept for the backward pass")
    }
    return value
  }

  /// Saved input `index` when given.
  public func optionalInput(_ index: Int) -> Tensor? { index < inputs.count ? inputs[index] : nil }

  /// Saved output `index`.
  public func output(_ index: Int) throws(AutodiffError) -> Tensor {
    guard index < outputs.count, let value = outputs[index] else {
      throw AutodiffError(.kernel, "output \(index) was not kept for the backward pass")
    }
    return value
  }

  /// The shape of input `index`.
  public func inputShape(_ index: Int) throws(AutodiffError) -> [Int] {
    guard index < inputShapes.count, let shape = inputShapes[index] else {
      throw AutodiffError(.kernel, "the shape of input \(index) is unknown")
    }
    return shape
  }

  /// dL/d(output `index`), zeros of the output's shape when no gradient reached it.
  public func gradient(_ index: Int = 0) throws(AutodiffError) -> Tensor {
    if index < outputGradients.count, let gradient = outputGradients[index] { return gradient }
    guard index < outputShapes.count, let shape = outputShapes[index] else {
      throw AutodiffError(.kernel, "the shape of output \(index) is unknown")
    }
    return Tensor(zeros: .float32, shape: shape)
  }
}
