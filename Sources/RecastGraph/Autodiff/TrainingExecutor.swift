public import RecastTensor

/// Runs a graph for training: a forward pass that keeps exactly the values the gradient rules need, then
/// reverse-mode differentiation of chosen parameters (initializers) and inputs.
///
/// ```swift
/// var training = try TrainingExecutor(model, trainable: ["fc.weight", "fc.bias"])
/// let tape = try training.forward(["input": batch])          // outputs, with BatchNorm on batch statistics
/// let gradients = try tape.backward(seed: ["logits": dLoss])  // [name: dLoss/dname] for every trainable name
/// training.parameters["fc.weight"] = updatedWeight             // the optimizer's step
/// training.update(from: tape)                                 // adopt the new BatchNorm running statistics
/// ```
///
/// Compiled once like `Executor`: trainable initializers become per-run inputs (never constant-folded), each
/// node on a trainable path gets its compiled `GradientRule`, and the memory plan frees every intermediate after
/// its last forward reader unless a rule keeps it. Nodes that no trainable value reaches run as in inference and
/// keep nothing. A node on a trainable path whose op has no rule in `Options.gradients` is an
/// `AutodiffError.Kind.missingRule` error naming the node and the op.
///
/// BatchNormalization runs in training mode by default (`BatchNormMode.batchStatistics`): each node normalises
/// with its batch mean and biased variance and is differentiated through them; its running statistics are not
/// differentiated but updated as a side effect (`running · momentum + batch · (1 − momentum)`, ONNX's rule),
/// returned by the tape and adopted with `update(from:)`. `.runningStatistics` (after freezing BatchNorm) uses
/// and keeps the running statistics.
///
/// Errors: `ExecutorError` for compile and kernel failures of the forward pass, `AutodiffError` for the rest.
public struct TrainingExecutor: Sendable {
  public enum BatchNormMode: Sendable, Equatable {
    /// Training mode: batch statistics, running statistics updated.
    case batchStatistics
    /// Evaluation statistics: the running mean and variance are used and not updated.
    case runningStatistics
  }

  public struct Options: Sendable {
    /// Kernels for custom ops (fake-quant nodes, say), as `Executor.Options.customKernels`.
    public var customKernels: [CustomKernel]
    /// The gradient rules, `GradientTable.standard` plus any registered for custom ops.
    public var gradients: GradientTable
    public var batchNorm: BatchNormMode
    /// BatchNormalization nodes (by name) that use and keep their running statistics even in `.batchStatistics`
    /// mode: frozen one by one, as a per-module `freeze_bn` does.
    public var frozenBatchNorms: Set<String>
    /// Trainable values that get no entry in `GradientTape.backward`'s result when no rule produced a gradient for
    /// them (others get zeros), so optimizers skip them entirely: no momentum, Adam step count or weight decay. A
    /// QAT graph's learned qparams are such values while their observers set them.
    public var optionalGradients: Set<String>
    /// Update running variances with the unbiased batch variance (`· n/(n−1)`, as PyTorch does) rather than the
    /// biased one ONNX specifies. Normalisation always uses the biased variance.
    public var unbiasedRunningVariance: Bool

    public init(
      customKernels: [CustomKernel] = [], gradients: GradientTable = .standard,
      batchNorm: BatchNormMode = .batchStatistics, frozenBatchNorms: Set<String> = [],
      optionalGradients: Set<String> = [], unbiasedRunningVariance: Bool = false
    ) {
      self.optionalGradients = optionalGradients
      self.customKernels = customKernels
      self.gradients = gradients
      self.batchNorm = batchNorm
      self.frozenBatchNorms = frozenBatchNorms
      self.unbiasedRunningVariance = unbiasedRunningVariance
    }
  }

  /// One compiled node: its rule when it lies on a trainable path and has one.
  struct Step: Sendable {
    let label: String
    let opType: String
    let rule: GradientRule.Compiled?
  }

  /// A training-mode BatchNormalization's slots.
  struct BatchNormSlots: Sendable {
    let norm: TrainingGraph.BatchNorm
    let input: Int
    let mean: Int
    let variance: Int
  }

  public let opset: Int
  public let options: Options
  /// The names whose gradients `backward` returns, sorted.
  public let trainable: [String]
  /// Current values of the trainable initializers; replace them between runs (same shape and type).
  public var parameters: [String: Tensor]
  /// Current BatchNormalization running means and variances by initializer name.
  public var runningStatistics: [String: Tensor]

  let plan: ExecutionPlan
  let steps: [Step]
  let releases: [[Int]]
  let trainableSlots: [(name: String, slot: Int)]
  let batchNorms: [BatchNormSlots]
  /// Running statistics bound per run from `runningStatistics` (see `TrainingGraph.boundStatistics`).
  let boundStatistics: Set<String>
  /// Shapes and types of the parameters and statistics as compiled.
  let boundTypes: [String: (DataType, [Int])]

  /// Compiles `model` for training `trainable` (initializer or graph input names).
  public init(_ model: Model, trainable: Set<String>, options: Options = Options()) throws {
    guard let opset = model.defaultOpset else {
      throw ExecutorError(.invalidGraph, "the model imports no ai.onnx opset")
    }
    try self.init(graph: model.graph, opset: opset, trainable: trainable, options: options)
  }

  /// Compiles `graph` at `opset` for training `trainable` (initializer or graph input names).
  public init(graph: Graph, opset: Int, trainable: Set<String>, options: Options = Options()) throws {
    let inputNames = Set(graph.runtimeInputs.map(\.name))
    for name in trainable.sorted() {
      let type = graph.initializers[name]?.dtype ?? graph.runtimeInputs.first { $0.name == name }?.elementType
      guard graph.initializers.contains(name) || inputNames.contains(name) else {
        throw AutodiffError(.unknownTrainable, "'\(name)' is neither an initializer nor an input of the graph")
      }
      if let type, !type.isFloatingPoint {
        throw AutodiffError(.unknownTrainable, "'\(name)' is \(type); only floating-point values can be trained")
      }
    }
    let training = try TrainingGraph(
      graph, trainable: trainable, batchStatistics: options.batchNorm == .batchStatistics,
      frozen: options.frozenBatchNorms)
    var custom: [String: CustomKernel] = [:]
    for kernel in [TrainingGraph.batchNormKernel] + options.customKernels {
      custom[CustomKernel.key(domain: kernel.domain, opType: kernel.opType)] = kernel
    }
    let plan = try ExecutionPlan(graph: training.graph, opset: opset, customKernels: custom)
    self.opset = opset
    self.options = options
    self.plan = plan
    self.trainable = trainable.sorted()
    parameters = training.parameters
    runningStatistics = training.runningStatistics
    boundStatistics = training.boundStatistics
    boundTypes = training.parameters.merging(training.runningStatistics) { a, _ in a }.mapValues {
      ($0.dtype, $0.shape)
    }

    var slotOf: [String: Int] = [:]
    for (slot, name) in plan.names.enumerated() { slotOf[name] = slot }
    trainableSlots = self.trainable.compactMap { name in slotOf[name].map { (name, $0) } }
    var producer: [String: Node] = [:]
    for node in training.graph.nodes {
      for output in node.presentOutputs { producer[output] = node }
    }

    // Reachability from the trainable values decides which nodes get a rule and what they keep.
    var reachable = [Bool](repeating: false, count: plan.names.count)
    for (_, slot) in trainableSlots { reachable[slot] = true }
    var kept = Set(plan.outputs.map(\.slot))
    var steps: [Step] = []
    for step in plan.steps {
      let node = step.outputs.first { $0 >= 0 }.flatMap { producer[plan.names[$0]] }
      let label = node?.label ?? step.label
      let needs = step.inputs.map { $0 >= 0 && reachable[$0] }
      guard let node, needs.contains(true) else {
        steps.append(Step(label: label, opType: node?.opType ?? "", rule: nil))
        continue
      }
      for slot in step.outputs where slot >= 0 { reachable[slot] = true }
      guard let rule = options.gradients.rule(for: node.opType, domain: node.domain) else {
        steps.append(Step(label: label, opType: node.opType, rule: nil))
        continue
      }
      let compiled: GradientRule.Compiled
      do {
        compiled = try rule.compile(
          GradientRule.Site(node: node, opset: opset, needsGradient: Array(needs.prefix(node.inputs.count))))
      } catch {
        throw AutodiffError(.kernel, "node \(label): compiling its gradient rule failed: \(error)")
      }
      for k in compiled.savedInputs where k < node.inputs.count && step.inputs[k] >= 0 { kept.insert(step.inputs[k]) }
      for k in compiled.savedOutputs where k < step.outputs.count && step.outputs[k] >= 0 {
        kept.insert(step.outputs[k])
      }
      steps.append(Step(label: label, opType: node.opType, rule: compiled))
    }
    batchNorms = training.batchNorms.compactMap { norm in
      guard let producerNode = producer[norm.batchMean], let input = producerNode.inputs.first,
        let x = slotOf[input], let mean = slotOf[norm.batchMean], let variance = slotOf[norm.batchVariance]
      else { return nil }
      return BatchNormSlots(norm: norm, input: x, mean: mean, variance: variance)
    }
    for norm in batchNorms { kept.formUnion([norm.mean, norm.variance]) }

    // Memory plan: free each value after its last forward reader unless it is kept or constant.
    var lastUse = [Int](repeating: -1, count: plan.names.count)
    for (position, step) in plan.steps.enumerated() {
      for slot in step.inputs where slot >= 0 { lastUse[slot] = position }
      for slot in step.outputs where slot >= 0 && lastUse[slot] < position { lastUse[slot] = position }
    }
    var releases = [[Int]](repeating: [], count: plan.steps.count)
    for slot in 0..<plan.names.count where lastUse[slot] >= 0 && !kept.contains(slot) && plan.initial[slot] == nil {
      releases[lastUse[slot]].append(slot)
    }
    self.steps = steps
    self.releases = releases
  }

  /// The names of the graph outputs, in graph order.
  public var outputNames: [String] { plan.outputs.map(\.name) }

  /// Adopts the running statistics a training-mode forward pass computed, for the BatchNormalization nodes this
  /// executor trains (a tape recorded before some were frozen does not move theirs).
  public mutating func update(from tape: GradientTape) {
    let own = Set(batchNorms.flatMap { [$0.norm.runningMean, $0.norm.runningVariance] })
    for (name, value) in tape.runningStatistics where own.contains(name) { runningStatistics[name] = value }
  }
}
