import Foundation
public import RecastGraph
import RecastTensor

/// A QAT training loop over a prepared `Quantizer` — what a recipe's `train` stage runs.
///
/// ```swift
/// let quantizer = try Quantizer(model, config: config)
/// let prepared = try quantizer.prepare(exampleInputs: [["input": x0]])
/// try quantizer.calibrationMode { ... }                                    // optional
/// let data = try TensorDataSource(inputs: ["input": x], labels: y, batchSize: 64, shuffle: true, seed: 0)
/// var trainer = QATTrainer(
///   epochs: 2, optimizer: SGD(learningRate: 0.01, momentum: 0.9), loss: .crossEntropy,
///   schedule: LearningRateSchedule(.cosine(minimum: 0.001)), gradientClipNorm: nil)
/// let summary = try trainer.run(quantizer, data: data) { progress in print(progress) }
/// let model = try quantizer.finalize(backend: .onnx)                      // prepared(...) evaluates the same
/// ```
///
/// Each step: learning rate from the schedule, training forward (`QATSession`), loss on `output`, backward,
/// optional clipping to a global norm, optimizer step, BatchNorm statistics, `quantizer.step()` (the
/// `qat_schedule`, with epoch milestones converted by the data's `batchesPerEpoch`). Deterministic for a fixed
/// data order (the data source's seed). A non-finite loss or gradient stops training with
/// `QATTrainingError.Kind.nonFiniteLoss`, the step number and the last finite loss; that step is not applied (its
/// observer updates are undone), so the quantizer keeps the last good parameters and can still be finalized.
public struct QATTrainer {
  public enum LossFunction: Sendable, Hashable {
    /// Cross-entropy of `[N, C]` logits against int64 class labels `[N]`.
    case crossEntropy
    /// Cross-entropy with label smoothing `ε` in [0, 1] (PyTorch's `label_smoothing`, `Loss.crossEntropy`).
    case smoothedCrossEntropy(labelSmoothing: Float)
    /// Mean squared error against a float32 target of the output's shape.
    case meanSquaredError
    /// KL divergence to the float source model's outputs at `temperature` (`Loss.distillation`); no labels.
    case distillation(temperature: Float)

    var needsLabels: Bool { if case .distillation = self { false } else { true } }
  }

  /// Reported after every step.
  public struct Progress: Sendable {
    /// Steps done (1 after the first).
    public var step: Int
    public var totalSteps: Int
    /// The epoch of this step (from 0) and the step's batch index in it.
    public var epoch: Int
    public var batch: Int
    public var loss: Double
    public var learningRate: Float
    /// The global gradient norm before clipping.
    public var gradientNorm: Double
    /// True for the last step of an epoch.
    public var endsEpoch: Bool
  }

  public struct Summary: Sendable {
    public var steps: Int
    public var epochs: Int
    /// The loss of every step.
    public var losses: [Double]
    public var seconds: Double
  }

  /// Epochs to run (ignored when `steps` is set).
  public var epochs: Int
  /// Total optimizer steps (may end mid-epoch); nil: `epochs` full epochs.
  public var steps: Int?
  public var optimizer: any Optimizer
  public var loss: LossFunction
  public var schedule: LearningRateSchedule
  /// Clip gradients to this global L2 norm (nil: no clipping).
  public var gradientClipNorm: Double?
  /// The graph output the loss reads (nil: the first).
  public var output: String?

  public init(
    epochs: Int = 1, steps: Int? = nil, optimizer: any Optimizer,
    loss: LossFunction = .crossEntropy,
    schedule: LearningRateSchedule = .constant, gradientClipNorm: Double? = nil,
    output: String? = nil
  ) {
    self.epochs = epochs
    self.steps = steps
    self.optimizer = optimizer
    self.loss = loss
    self.schedule = schedule
    self.gradientClipNorm = gradientClipNorm
    self.output = output
  }

  /// Trains `quantizer` (prepared) on `data`; the quantizer is left in evaluation mode with the trained weights,
  /// ready for `finalize`. An error thrown by `progress` (a cancellation) stops after that step, which is kept. The optimizer's state stays in `self.optimizer` for a later `run`.
  @discardableResult
  public mutating func run(
    _ quantizer: Quantizer, data: some QATDataSource, progress: (Progress) throws -> Void = { _ in }
  ) throws -> Summary {
    let perEpoch = data.batchesPerEpoch
    guard perEpoch > 0 else {
      throw QATTrainingError(.configuration, "the training data has no batches")
    }
    let total = steps ?? epochs * perEpoch
    guard total > 0 else {
      throw QATTrainingError(
        .configuration, "nothing to train: \(epochs) epochs, \(steps ?? 0) steps")
    }
    var teacher: Executor?
    if case .distillation = loss {
      guard let model = quantizer.sourceModel else {
        throw QATTrainingError(
          .configuration, "distillation needs the float model: build the quantizer from a model")
      }
      teacher = try Executor(model)
    }
    let base = optimizer.learningRate
    let started = Date()
    var losses: [Double] = []
    var optimizer = self.optimizer
    defer { self.optimizer = optimizer }
    let lossFunction = loss
    let clip = gradientClipNorm
    let state = quantizer.state
    try quantizer.trainingMode(stepsPerEpoch: perEpoch) { session in
      let outputName = output ?? session.outputNames.first ?? ""
      guard session.outputNames.contains(outputName) else {
        throw QATTrainingError(
          .configuration,
          "the loss reads output '\(outputName)'; outputs: \(session.outputNames.joined(separator: ", "))"
        )
      }
      var step = 0
      var epoch = 0
      while step < total {
        let batches = try data.batches(epoch: epoch)
        for (index, batch) in batches.enumerated() where step < total {
          optimizer.learningRate = schedule.learningRate(base: base, step: step, totalSteps: total)
          let saved = state.snapshot()
          let tape = try session.forward(batch.inputs)
          guard let prediction = tape.outputs[outputName] else {
            throw QATTrainingError(.configuration, "no output")
          }
          let (value, seed) = try Self.loss(
            lossFunction, prediction: prediction, output: outputName, batch: batch,
            teacher: teacher, step: step)
          var gradients = try tape.backward(seed: [outputName: seed])
          let norm =
            clip.map { GradientClipping.clip(&gradients, maxNorm: $0) }
            ?? GradientClipping.globalNorm(gradients)
          guard value.isFinite, norm.isFinite else {
            state.restore(saved)
            throw QATTrainingError(
              .nonFiniteLoss,
              "step \(step + 1): the \(value.isFinite ? "gradient norm" : "loss") is not finite ("
                + "\(value.isFinite ? norm : value)); last finite loss "
                + (losses.last.map { String($0) } ?? "none")
                + "; the parameters of step \(step) are kept",
              step: step + 1, lastFiniteLoss: losses.last)
          }
          try optimizer.step(&session.parameters, gradients: gradients)
          session.update(from: tape)
          try quantizer.step()
          losses.append(value)
          step += 1
          try progress(
            Progress(
              step: step, totalSteps: total, epoch: epoch, batch: index, loss: value,
              learningRate: optimizer.learningRate, gradientNorm: norm,
              endsEpoch: index == batches.count - 1 || step == total))
        }
        epoch += 1
      }
    }
    return Summary(
      steps: losses.count, epochs: (losses.count + perEpoch - 1) / perEpoch, losses: losses,
      seconds: Date().timeIntervalSince(started))
  }

  static func loss(
    _ function: LossFunction, prediction: Tensor, output: String, batch: QATBatch,
    teacher: Executor?, step: Int
  ) throws -> (Double, Tensor) {
    if function.needsLabels, batch.labels == nil {
      throw QATTrainingError(
        .labels, "step \(step + 1): the \(function) loss needs labels; the batch has none")
    }
    do {
      switch function {
      case .crossEntropy, .smoothedCrossEntropy:
        let labels = batch.labels!
        guard labels.dtype == .int64 || labels.dtype == .int32, labels.rank == 1 else {
          throw QATTrainingError(
            .labels, "cross_entropy labels must be int64 [N]; found \(labels.dtype) \(labels.shape)"
          )
        }
        var smoothing: Float = 0
        if case .smoothedCrossEntropy(let epsilon) = function { smoothing = epsilon }
        return try Loss.crossEntropy(logits: prediction, labels: labels.integers(), labelSmoothing: smoothing)
      case .meanSquaredError:
        return try Loss.meanSquaredError(
          prediction: prediction, target: batch.labels!.cast(to: .float32))
      case .distillation(let temperature):
        guard let teacher else {
          throw QATTrainingError(.configuration, "distillation: no teacher")
        }
        guard let logits = try teacher.run(batch.inputs)[output] else {
          throw QATTrainingError(
            .configuration, "distillation: the float model has no output '\(output)'")
        }
        return try Loss.distillation(student: prediction, teacher: logits, temperature: temperature)
      }
    } catch let error as TensorError {
      throw QATTrainingError(.labels, "step \(step + 1): \(error)")
    }
  }
}

/// Why a QAT run stopped.
public struct QATTrainingError: Error, Sendable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    /// Bad options or data source.
    case configuration
    /// Labels missing, of the wrong count or out of range.
    case labels
    /// The loss (or the gradient norm) became NaN or infinite.
    case nonFiniteLoss
  }

  public var kind: Kind
  public var message: String
  /// The 1-based step that failed (`nonFiniteLoss`).
  public var step: Int?
  /// The loss of the last good step.
  public var lastFiniteLoss: Double?

  public init(_ kind: Kind, _ message: String, step: Int? = nil, lastFiniteLoss: Double? = nil) {
    self.kind = kind
    self.message = message
    self.step = step
    self.lastFiniteLoss = lastFiniteLoss
  }

  public var description: String { message }
}
