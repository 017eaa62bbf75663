public import RecastTensor

/// Runs an ONNX graph on the CPU with RecastTensor's kernels.
///
/// Compile once, run many times: `init` orders the nodes, resolves every node's kernel from the op table (one
/// entry per op and opset range), gives each value an integer slot, evaluates constants once and plans when each
/// intermediate value can be freed. `run` then does no name lookups per node.
///
/// ```swift
/// let executor = try Executor(model)
/// let outputs = try executor.run(["input": batch])
/// ```
///
/// Calibration observes activations with `run(_:observer:)`, which calls back with every value right after the
/// node that produces it (before it may be freed).
public struct Executor: Sendable {
  /// Run-time checks.
  public struct Options: Sendable {
    /// Reject inputs holding NaN or infinity, naming the input and the first bad element.
    public var checkFinite: Bool
    /// Kernels for ops outside the built-in table (or replacing one), looked up by domain and op type first.
    public var customKernels: [CustomKernel]

    public init(checkFinite: Bool = false, customKernels: [CustomKernel] = []) {
      self.checkFinite = checkFinite
      self.customKernels = customKernels
    }
  }

  /// The newest `ai.onnx` opset the op table covers.
  public static let latestOpset = 25

  /// The `ai.onnx` opset the graph was compiled for.
  public let opset: Int
  public var options: Options
  /// The graph as given: every value a node produces is computed, so observers see them all.
  let plan: ExecutionPlan
  /// The graph with `InferenceFusion` applied (Conv + BatchNormalization + Relu as one kernel), for runs without
  /// an observer; `nil` when nothing fuses.
  let fusedPlan: ExecutionPlan?

  /// Compiles `model` for its `ai.onnx` opset.
  public init(_ model: Model, options: Options = Options()) throws(ExecutorError) {
    guard let opset = model.defaultOpset else {
      throw ExecutorError(.invalidGraph, "the model imports no ai.onnx opset")
    }
    try self.init(graph: model.graph, opset: opset, options: options)
  }

  /// Compiles `graph` for `opset`.
  public init(graph: Graph, opset: Int, options: Options = Options()) throws(ExecutorError) {
    self.opset = opset
    self.options = options
    var custom: [String: CustomKernel] = [:]
    for kernel in options.customKernels {
      custom[CustomKernel.key(domain: kernel.domain, opType: kernel.opType)] = kernel
    }
    plan = try ExecutionPlan(graph: graph, opset: opset, customKernels: custom)
    let overridden = custom.values.contains { InferenceFusion.fusedOps.contains($0.opType) }
    if !overridden, let fused = InferenceFusion.fuse(graph) {
      fusedPlan = try? ExecutionPlan(graph: fused, opset: opset, customKernels: custom)
    } else {
      fusedPlan = nil
    }
  }

  /// The inputs `run` expects, with their declared types.
  public var inputs: [ValueInfo] { plan.inputs.map(\.info) }

  /// The names of the values `run` returns, in graph order.
  public var outputNames: [String] { plan.outputs.map(\.name) }

  /// Every value a run computes and `observer` sees (constant-folded values excluded), in execution order.
  public var computedValues: [String] { plan.computedValues }

  /// Runs the graph; returns the graph outputs by name.
  public func run(_ inputs: [String: Tensor]) throws(ExecutorError) -> [String: Tensor] {
    try run(inputs, observer: nil)
  }

  /// Runs the graph, calling `observer` with each computed value (name, tensor) right after its node ran.
  public func run(
    _ inputs: [String: Tensor], observer: ((_ name: String, _ value: Tensor) -> Void)?
  ) throws(ExecutorError) -> [String: Tensor] {
    let plan = observer == nil ? fusedPlan ?? plan : plan
    var values = try bind(inputs, plan: plan)
    try plan.execute(&values, observer: observer)
    var outputs: [String: Tensor] = [:]
    for binding in plan.outputs {
      guard let value = values[binding.slot] else {
        throw ExecutorError(.kernel, "graph output '\(binding.name)' was not computed")
      }
      outputs[binding.name] = value
    }
    return outputs
  }

  /// Runs the graph and also returns the values named in `observed` (graph inputs, constants or intermediates).
  public func run(
    _ inputs: [String: Tensor], observing observed: Set<String>
  ) throws(ExecutorError) -> (outputs: [String: Tensor], observed: [String: Tensor]) {
    var seen: [String: Tensor] = [:]
    for name in observed {
      if let value = inputs[name] { seen[name] = value }
    }
    for (slot, name) in plan.names.enumerated() where observed.contains(name) {
      if let constant = plan.initial[slot] { seen[name] = constant }
    }
    let outputs = try run(inputs) { name, value in
      if observed.contains(name) { seen[name] = value }
    }
    return (outputs, seen)
  }

  /// Every op type the executor implements, sorted.
  public static var supportedOps: [String] { OpRegistry.opTypes }

  /// Whether `opType` in `domain` has an implementation at `opset` (`Constant` included).
  public static func supports(opType: String, domain: String = "", opset: Int) -> Bool {
    OpRegistry.definition(opType, domain: domain, opset: opset) != nil
  }
}
