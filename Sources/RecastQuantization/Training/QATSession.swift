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
  /// Whether BatchNormalization uses (and keeps) its running statistics (`freeze_bn` reached).
  public private(set) var isBatchNormFrozen = false

  init(graph: QATGraph, opset: Int, options: TrainingExecutor.Options) throws {
    self.graph = graph
    self.opset = opset
    baseOptions = options
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

  /// Adopts the running statistics `tape` computed (nothing once BatchNorm is frozen).
  public func update(from tape: GradientTape) {
    guard !isBatchNormFrozen else { return }
    executor.update(from: tape)
  }

  /// Switches BatchNormalization to its running statistics from here on (recompiles, keeping every value).
  func freezeBatchNorm() throws {
    guard !isBatchNormFrozen else { return }
    var options = baseOptions
    options.batchNorm = .runningStatistics
    var frozen = try TrainingExecutor(
      graph: graph.graph, opset: opset, trainable: graph.trainable, options: options)
    frozen.parameters = executor.parameters
    frozen.runningStatistics = executor.runningStatistics
    executor = frozen
    isBatchNormFrozen = true
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
  var stepCount = 0
  var stepsPerEpoch: Int?
  var isActive = false

  init(sourceGraph: Graph?) { self.sourceGraph = sourceGraph }
}
