public import Foundation
import RecastDiagnostics
import RecastGraph
import RecastQuantization
import RecastTensor

/// What a run reports while it works, for progress output.
public enum RunEvent: Sendable {
  case stageStarted(RunStep, of: Int)
  /// Samples done out of a total, within a stage that loops over data.
  case progress(RunStep, done: Int, total: Int)
  case stageFinished(RunStep, seconds: Double, summary: String)
  case wrote(URL, bytes: Int)
}

/// The outcome of one stage.
public struct StageRecord: Sendable {
  public var step: RunStep
  public var seconds: Double
  public var summary: String
  /// Metrics of an evaluate stage, in computation order.
  public var metrics: [(name: String, value: Double)]
  /// The data set an evaluate or calibrate stage read, and how many samples.
  public var dataset: String?
  public var samples: Int
}

/// An activation range that calibration moved by more than 2× from the range the example inputs seeded.
public struct RangeMove: Sendable, Hashable {
  public var quantizer: Int
  public var value: String
  public var seeded: ClosedRange<Float>
  public var calibrated: ClosedRange<Float>
  /// Calibrated over seeded magnitude, `max(|min|, |max|)`.
  public var factor: Double
}

/// Everything a finished run produced.
public struct RunResult: Sendable {
  public var stages: [StageRecord]
  public var expectations: [ExpectationResult]
  public var rangeMoves: [RangeMove]
  public var written: [URL]
  public var passed: Bool { expectations.allSatisfy(\.passed) }
}

/// Thrown when the caller's cancellation check says stop (Ctrl-C); nothing was written.
public struct RunInterrupted: Error, Sendable {}

/// Executes a checked recipe's stages on the quantization engine: prepare, calibrate, evaluate, finalize,
/// export. Outputs are written only in the export stage, all at once (see `OutputTransaction`).
public final class RecipeRunner {
  public let setup: RunSetup
  private let events: (RunEvent) -> Void
  private let isCancelled: () -> Bool

  private(set) var quantizer: Quantizer?
  /// Shuffles consumed so far per training data set and seed (`name#seed`).
  private var shufflesUsed: [String: Int] = [:]
  private var prepared: PreparedModel?
  private var finalized: Model?
  private var finalizedExecutor: Executor?
  private var floatExecutor: Executor?
  private var floatOutputs: [String: [Tensor]] = [:]
  private var seededRanges: [Int: GroupRange] = [:]
  private var records: [StageRecord] = []
  private var rangeMoves: [RangeMove] = []
  private var written: [URL] = []
  /// Size of the serialized finalized model, once the export stage has produced it.
  private var exportedBytes: Int?

  public init(
    setup: RunSetup, events: @escaping (RunEvent) -> Void = { _ in }, isCancelled: @escaping () -> Bool = { false }
  ) {
    self.setup = setup
    self.events = events
    self.isCancelled = isCancelled
  }

  /// Runs every stage in order. Expectations are evaluated at the end; a failed one does not throw (see
  /// `RunResult.passed`).
  public func run() throws -> RunResult {
    for step in setup.steps {
      try checkCancelled()
      events(.stageStarted(step, of: setup.steps.count))
      let start = DispatchTime.now().uptimeNanoseconds
      var record = StageRecord(step: step, seconds: 0, summary: "", metrics: [], dataset: nil, samples: 0)
      do {
        switch step.kind {
        case .prepare: try prepare(step, &record)
        case .calibrate: try calibrate(step, &record)
        case .evaluate: try evaluate(step, &record)
        case .finalize: try finalize(step, &record)
        case .export: try export(step, &record, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        case .train: try train(step, &record)
        }
      } catch let error as DiagnosticError {
        throw error
      } catch let error as RunInterrupted {
        throw error
      } catch {
        throw failure(step, "\(error)")
      }
      record.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      records.append(record)
      events(.stageFinished(step, seconds: record.seconds, summary: record.summary))
    }
    return RunResult(stages: records, expectations: expectationResults(), rangeMoves: rangeMoves, written: written)
  }

  // MARK: - Stages

  private func prepare(_ step: RunStep, _ record: inout StageRecord) throws {
    let quantizer = try Quantizer(setup.model, config: setup.config)
    let plan = quantizer.plan
    var examples: [[String: Tensor]] = []
    if let name = step.dataset(among: setup.datasets.keys), let data = setup.datasets[name] {
      let batch = try data.prefix(step.int("samples") ?? 1)
      examples = [batch.inputs]
      record.dataset = name
      record.samples = batch.count
    } else if !plan.activations.isEmpty {
      throw failure(
        step, "the config quantizes \(plan.activations.count) activations, but the recipe declares no data to set their ranges",
        help: "declare data.calibration and add a calibrate stage")
    }
    prepared = try quantizer.prepare(exampleInputs: examples)
    self.quantizer = quantizer
    for activation in plan.activations where activation.sharesQParamsWith == nil {
      if let range = quantizer.activationRange(activation.id) { seededRanges[activation.id] = range }
    }
    record.summary =
      "\(plan.weights.count) weight and \(plan.activations.count) activation quantizers (\(plan.mode.rawValue) mode)"
  }

  private func calibrate(_ step: RunStep, _ record: inout StageRecord) throws {
    let (quantizer, prepared) = try requirePrepared(step)
    let name = step.dataset(among: setup.datasets.keys) ?? "calibration"
    let data = try dataset(name, step)
    let limited = try step.int("samples").map { try data.prefix($0) } ?? data
    let batches = try limited.batches(batchSize: step.int("batch_size"))
    var done = 0
    try quantizer.calibrationMode(reseed: step.bool("reseed") ?? true) {
      for batch in batches {
        try checkCancelled()
        _ = try prepared(batch.inputs)
        done += batch.indices.count
        events(.progress(step, done: done, total: limited.count))
      }
    }
    record.dataset = name
    record.samples = done
    rangeMoves = movedRanges(quantizer)
    let moved = rangeMoves.isEmpty ? "" : "; \(rangeMoves.count) activation ranges moved more than 2x from the example-input seed"
    record.summary = "\(done) samples in \(batches.count) batches\(moved)"
  }

  private func evaluate(_ step: RunStep, _ record: inout StageRecord) throws {
    let name = step.dataset(among: setup.datasets.keys) ?? "validation"
    let data = try dataset(name, step)
    let limited = try step.int("samples").map { try data.prefix($0) } ?? data
    let batchSize = step.int("batch_size")
    // RunSetup has checked that the output exists.
    let output = step.string("output") ?? setup.model.graph.outputs.first?.name ?? ""
    let (_, prepared) = try requirePrepared(step)
    let floats = try floatReference(name, limited, batchSize: batchSize, output: output)
    let hasLabels = limited.labels[output] != nil
    var metrics = RunMetrics()
    for (index, batch) in try limited.batches(batchSize: batchSize).enumerated() {
      try checkCancelled()
      let outputs: [String: Tensor]
      if let finalized {
        if finalizedExecutor == nil { finalizedExecutor = try Executor(finalized) }
        outputs = try finalizedExecutor!.run(batch.inputs)
      } else {
        outputs = try prepared(batch.inputs)
      }
      guard let quantized = outputs[output] else { throw failure(step, "the model computed no '\(output)'") }
      try metrics.add(quantized: quantized, float: floats[index], labels: batch.labels[output])
      events(.progress(step, done: metrics.samples, total: limited.count))
    }
    // RunSetup has checked that accuracy metrics have labels.
    record.metrics = metrics.values(RunMetrics.names(for: step, datasets: setup.datasets), hasLabels: hasLabels)
    record.dataset = name
    record.samples = metrics.samples
    let model = finalized == nil ? "prepared" : "finalized"
    record.summary =
      "\(model) model on \(metrics.samples) samples of '\(name)': "
      + record.metrics.map { "\($0.name) \(Self.format($0.value, metric: $0.name))" }.joined(separator: ", ")
  }

  private func train(_ step: RunStep, _ record: inout StageRecord) throws {
    let (quantizer, _) = try requirePrepared(step)
    let settings = try TrainSettings(step)
    let data = try dataset(settings.data, step)
    let output = setup.model.graph.outputs.first?.name ?? ""
    let labels = data.labels[output]
    if settings.loss.needsLabels && labels == nil {
      throw failure(
        step, "the \(settings.loss) loss needs labels, but data set '\(settings.data)' has none for output '\(output)'",
        help: "add labels to data.\(settings.data), or use loss: distillation (no labels needed)")
    }
    // A later stage on the same data and seed continues with the next unused shuffle, as a loop reusing its
    // generator would.
    let seed = settings.seed ?? data.seed
    let shuffleKey = "\(settings.data)#\(seed)"
    let source = try TensorDataSource(
      inputs: data.inputs, labels: settings.loss.needsLabels ? labels : nil,
      batchSize: settings.batchSize ?? data.batchSize, shuffle: data.shuffle,
      seed: seed, firstEpoch: shufflesUsed[shuffleKey, default: 0])
    let perEpoch = source.batchesPerEpoch
    let optimizer: any Optimizer
    switch settings.optimizer {
    case .sgd(let lr, let momentum, let nesterov, let decay):
      optimizer = SGD(learningRate: Float(lr), momentum: Float(momentum), nesterov: nesterov, weightDecay: Float(decay))
    case .adam(let lr, let betas, let eps, let decay, let decoupled):
      optimizer =
        decoupled
        ? AdamW(learningRate: Float(lr), beta1: Float(betas.0), beta2: Float(betas.1), epsilon: Float(eps), weightDecay: Float(decay))
        : Adam(learningRate: Float(lr), beta1: Float(betas.0), beta2: Float(betas.1), epsilon: Float(eps), weightDecay: Float(decay))
    }
    let loss: QATTrainer.LossFunction
    switch settings.loss {
    case .crossEntropy(let smoothing):
      loss = smoothing > 0 ? .smoothedCrossEntropy(labelSmoothing: Float(smoothing)) : .crossEntropy
    case .mse: loss = .meanSquaredError
    case .distillation(let temperature): loss = .distillation(temperature: Float(temperature))
    }
    let schedule: LearningRateSchedule
    switch settings.schedule {
    case .constant(let warmup):
      schedule = LearningRateSchedule(.constant, warmupSteps: warmup?.step(stepsPerEpoch: perEpoch) ?? 0)
    case .cosine(let warmup, let minimum):
      schedule = LearningRateSchedule(
        .cosine(minimum: Float(minimum)), warmupSteps: warmup?.step(stepsPerEpoch: perEpoch) ?? 0)
    case .step(let warmup, let size, let gamma):
      schedule = LearningRateSchedule(
        .step(every: Swift.max(1, size.step(stepsPerEpoch: perEpoch)), gamma: Float(gamma)),
        warmupSteps: warmup?.step(stepsPerEpoch: perEpoch) ?? 0)
    }
    var trainer = QATTrainer(
      epochs: settings.epochs ?? 1, steps: settings.steps, optimizer: optimizer, loss: loss, schedule: schedule,
      gradientClipNorm: settings.gradClip, output: output)
    let total = settings.steps ?? (settings.epochs ?? 1) * perEpoch
    var lastLoss = Double.nan
    let summary: QATTrainer.Summary
    do {
      // The stage's own qat_schedule replaces every scope's for this stage, counted from its first step.
      try quantizer.overrideSchedule(try step.settings["qat_schedule"].map { try setup.recipe.schedule($0) })
      defer { try? quantizer.overrideSchedule(nil) }
      summary = try trainer.run(quantizer, data: source) { progress in
        lastLoss = progress.loss
        events(.progress(step, done: progress.step, total: total))
        try checkCancelled()
      }
    } catch let error as QATTrainingError {
      throw failure(step, error.message)
    }
    shufflesUsed[shuffleKey, default: 0] += (summary.steps + perEpoch - 1) / perEpoch
    record.dataset = settings.data
    record.samples = summary.steps
    let first = summary.losses.first.map { String(format: "%.4f", $0) } ?? "-"
    record.summary =
      "\(summary.steps) steps (\(perEpoch) per epoch) on '\(settings.data)', loss \(first) → "
      + String(format: "%.4f", lastLoss)
    record.metrics = [("final_loss", lastLoss)]
  }

  private func finalize(_ step: RunStep, _ record: inout StageRecord) throws {
    let (quantizer, _) = try requirePrepared(step)
    let model = try quantizer.finalize(
      backend: .onnx, castTo16Bit: step.bool("cast_to_16_bit") ?? false, opset: step.int("opset"))
    finalized = model
    finalizedExecutor = nil
    let counts = Dictionary(grouping: model.graph.nodes, by: \.opType).mapValues(\.count)
    record.summary =
      "onnx QDQ, opset \(model.defaultOpset ?? 0): \(counts["QuantizeLinear"] ?? 0) QuantizeLinear, "
      + "\(counts["DequantizeLinear"] ?? 0) DequantizeLinear"
  }

  private func export(_ step: RunStep, _ record: inout StageRecord, seconds: Double) throws {
    guard let finalized, let quantizer, let outputs = setup.outputs else {
      throw failure(step, "export needs a finalize stage before it")
    }
    let bytes = try finalized.serializedBytes()
    exportedBytes = bytes.count
    var transaction = OutputTransaction()
    try transaction.stage(bytes, to: outputs.model)
    var files = [(outputs.model, bytes.count)]
    let modelDigest = SHA256.hex(bytes)
    if let lock = outputs.lock {
      let text = try LockFile.render(setup: setup, outputName: outputs.model.lastPathComponent, outputDigest: modelDigest, lockURL: lock)
      try transaction.stage(Array(text.utf8), to: lock)
      files.append((lock, text.utf8.count))
    }
    if let prefix = outputs.reportPrefix {
      var stages = records
      stages.append(
        StageRecord(
          step: step, seconds: seconds, summary: "\(outputs.model.lastPathComponent), \(bytes.count) bytes",
          metrics: [], dataset: nil, samples: 0))
      let report = try RunReport(
        setup: setup, quantizer: quantizer, finalizedBytes: bytes.count, stages: stages,
        expectations: expectationResults(), rangeMoves: rangeMoves)
      for (suffix, text) in [("md", report.markdown()), ("json", report.json()), ("svg", report.svg())] {
        let url = prefix.appendingPathExtension(suffix)
        try transaction.stage(Array(text.utf8), to: url)
        files.append((url, text.utf8.count))
      }
    }
    if isCancelled() {
      transaction.rollback()
      throw RunInterrupted()
    }
    try transaction.commit()
    for (url, count) in files {
      written.append(url)
      events(.wrote(url, bytes: count))
    }
    record.summary = "\(outputs.model.lastPathComponent), \(bytes.count) bytes"
  }

  // MARK: - Helpers

  private func requirePrepared(_ step: RunStep) throws -> (Quantizer, PreparedModel) {
    guard let quantizer, let prepared else { throw failure(step, "a prepare stage must come before \(step.kind.rawValue)") }
    return (quantizer, prepared)
  }

  private func dataset(_ name: String, _ step: RunStep) throws -> Dataset {
    guard let data = setup.datasets[name] else { throw failure(step, "data set '\(name)' is not declared") }
    return data
  }

  /// The float model's `output` on every batch of `data`, computed once per data set and batching.
  private func floatReference(_ name: String, _ data: Dataset, batchSize: Int?, output: String) throws -> [Tensor] {
    let key = "\(name)/\(data.count)/\(batchSize ?? data.batchSize)/\(output)"
    if let cached = floatOutputs[key] { return cached }
    if floatExecutor == nil { floatExecutor = try Executor(setup.model) }
    var result: [Tensor] = []
    for batch in try data.batches(batchSize: batchSize) {
      try checkCancelled()
      guard let value = try floatExecutor!.run(batch.inputs)[output] else {
        throw QuantizationError("the float model computed no '\(output)'")
      }
      result.append(value)
    }
    floatOutputs[key] = result
    return result
  }

  private func movedRanges(_ quantizer: Quantizer) -> [RangeMove] {
    var moves: [RangeMove] = []
    for activation in quantizer.plan.activations where activation.sharesQParamsWith == nil {
      guard let seeded = seededRanges[activation.id], let now = quantizer.activationRange(activation.id) else { continue }
      let before = Self.span(seeded), after = Self.span(now)
      let a = Double(Swift.max(Swift.abs(before.lowerBound), Swift.abs(before.upperBound)))
      let b = Double(Swift.max(Swift.abs(after.lowerBound), Swift.abs(after.upperBound)))
      guard a > 0, b > 0 else { continue }
      let factor = b / a
      if factor > 2 || factor < 0.5 {
        moves.append(
          RangeMove(quantizer: activation.id, value: activation.value, seeded: before, calibrated: after, factor: factor))
      }
    }
    return moves
  }

  /// The overall `[min, max]` of a (possibly per-group) range.
  static func span(_ range: GroupRange) -> ClosedRange<Float> {
    let low = range.min.filter(\.isFinite).min() ?? 0
    let high = range.max.filter(\.isFinite).max() ?? 0
    return Swift.min(low, high)...Swift.max(low, high)
  }

  private func expectationResults() -> [ExpectationResult] {
    let expectations = (try? Expectation.parse(setup.resolved["expect"])) ?? []
    return expectations.map { expectation in
      ExpectationResult(expectation: expectation, actual: actual(expectation.metric))
    }
  }

  /// The latest measured value of a metric.
  private func actual(_ metric: String) -> Double? {
    switch metric {
    case "quantized_ops":
      return Double(setup.resolution.ops.filter(\.isQuantized).count)
    case "model_size_ratio":
      guard let bytes = exportedBytes,
        let size = (try? FileManager.default.attributesOfItem(atPath: setup.modelURL.path))?[.size] as? Int, size > 0
      else { return nil }
      return Double(bytes) / Double(size)
    default:
      return records.reversed().lazy.compactMap { $0.metrics.first { $0.name == metric }?.value }.first
    }
  }

  private func checkCancelled() throws {
    if isCancelled() { throw RunInterrupted() }
  }

  private func failure(_ step: RunStep, _ message: String, help: String? = nil) -> DiagnosticError {
    DiagnosticError(.error("run.stage", "\(step.label): \(message)", at: step.span, help: help))
  }

  static func format(_ value: Double, metric: String) -> String {
    switch metric {
    case "sqnr": value.isInfinite ? "inf dB" : String(format: "%.2f dB", value)
    case "top1", "top5", "float_top1", "float_top5", "top1_drop", "cosine": String(format: "%.4f", value)
    default: String(format: "%.6g", value)
    }
  }
}

extension Dataset {
  /// The first `n` samples (all of them when `n` is larger).
  func prefix(_ n: Int) throws -> Dataset {
    guard n < count else { return self }
    var copy = self
    copy.inputs = try inputs.mapValues { try $0.sliced(starts: [0], ends: [n], axes: [0]) }
    copy.labels = try labels.mapValues { try $0.sliced(starts: [0], ends: [n], axes: [0]) }
    copy.count = n
    return copy
  }
}
