public import RecastGraph
public import RecastTensor

/// The trainable view of a prepared model during `Quantizer.trainingMode`: forward with a gradient tape, the
/// float parameters an optimizer updates, and the BatchNormalization running statistics.
///
/// ```swift
/// try quantizer.trainingMode(stepsPerEpoch: batches.count) { session in
///   for (x, labels) in batches {
///     let tape = try session.forward(["input": x])
///     let (loss, seed) = try Loss.crossEntropy(logits: tape.outputs["logits"]!, labels: labels)
///     try optimizer.step(&session.parameters, gradients: tape.backward(seed: ["logits": seed]))
///     session.update(from: tape)       // BatchNorm running statistics (no-op once frozen)
///     try quantizer.step()             // advances the qat_schedule
///   }
/// }
/// ```
///
/// The graph is `QATGraph`'s: fake-quant nodes at the activation sites and on every quantized weight (so the
/// weights are float parameters and receive straight-through gradients), graph-mode Conv+BN as a simulated fold.
/// One session lives as long as its quantizer: parameters, statistics and the step count carry over from one
/// `trainingMode` call (epoch) to the next. On leaving `trainingMode` the trained values are written back into
/// the plan and the prepared model.
public final class QATSession {
  /// The compiled training graph (parameters and running statistics are read and written through it).
  public private(set) var executor: TrainingExecutor
  let graph: QATGraph
  let opset: Int
  let baseOptions: TrainingExecutor.Options
  /// The BatchNormalization nodes (by name) that use and keep their running statistics (`freeze_bn` reached).
  public private(set) var frozenBatchNorms: Set<String> = []
  /// Every BatchNormalization node of the training graph.
  public let batchNorms: Set<String>
  /// Whether every BatchNormalization uses (and keeps) its running statistics (false without any).
  public var isBatchNormFrozen: Bool { !batchNorms.isEmpty && frozenBatchNorms == batchNorms }

  init(graph: QATGraph, opset: Int, options: TrainingExecutor.Options) throws {
    self.graph = graph
    self.opset = opset
    baseOptions = options
    batchNorms = Set(
      graph.graph.nodes.filter { $0.opType == "BatchNormalization" && ($0.domain.isEmpty || $0.domain == "ai.onnx") }
        .map(\.name))
    executor = try TrainingExecutor(
      graph: graph.graph, opset: opset, trainable: graph.trainable, options: options)
  }

  /// Current float values of the trainable parameters (weights before fake-quant, biases, BN scale and shift).
  public var parameters: [String: Tensor] {
    get { executor.parameters }
    set { executor.parameters = newValue }
  }

  /// Current BatchNormalization running means and variances.
  public var runningStatistics: [String: Tensor] { executor.runningStatistics }

  /// The trained names, sorted.
  public var trainable: [String] { executor.trainable }

  /// The graph outputs, in order.
  public var outputNames: [String] { executor.outputNames }

  /// One training forward pass: activation observers and fake-quant act per the quantizer's current flags.
  public func forward(_ inputs: [String: Tensor]) throws -> GradientTape {
    try executor.forward(inputs)
  }

  /// Adopts the running statistics `tape` computed (those of BatchNorms not yet frozen).
  public func update(from tape: GradientTape) { executor.update(from: tape) }

  /// Switches the BatchNormalization nodes `names` to their running statistics from here on (recompiles, keeping
  /// every value; names already frozen or unknown change nothing).
  func freezeBatchNorms(_ names: Set<String>) throws {
    let frozen = frozenBatchNorms.union(names.intersection(batchNorms))
    guard frozen != frozenBatchNorms else { return }
    var options = baseOptions
    if frozen == batchNorms {
      options.batchNorm = .runningStatistics
    } else {
      options.frozenBatchNorms = frozen
    }
    var recompiled = try TrainingExecutor(
      graph: graph.graph, opset: opset, trainable: graph.trainable, options: options)
    recompiled.parameters = executor.parameters
    recompiled.runningStatistics = executor.runningStatistics
    executor = recompiled
    frozenBatchNorms = frozen
  }
}

/// A quantizer's QAT bookkeeping (one per `Quantizer`).
final class QATStore {
  /// The imported graph (before placement's rewrites), for the BatchNorm parameters of folded Convs.
  let sourceGraph: Graph?
  /// The config the plan came from (per-module `qat_schedule`s); nil for a quantizer built from a plan.
  var config: QuantizerConfig?
  /// The prepared model's executors, rebuilt after training.
  var prepared: PreparedExecutors?
  var session: QATSession?
  /// Each BatchNormalization node's config scope (see `Quantizer.batchNormScopes`).
  var batchNormScopes: [String: SpecSource.Scope]?
  var stepCount = 0
  var stepsPerEpoch: Int?
  var isActive = false
  /// The flags the schedule gave at its last application: `step()` changes only the flags whose scheduled value
  /// moved since, so `enableObserver()` and the like hold until a milestone of that flag. Nil: apply every flag.
  var scheduledFlags: QuantizerState.Flags?
  /// A schedule replacing every scope's (`overrideSchedule`), with the step its milestones count from.
  var scheduleOverride: (schedule: QATSchedule, origin: Int)?

  init(sourceGraph: Graph?) { self.sourceGraph = sourceGraph }
}
