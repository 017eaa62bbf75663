import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

@testable import RecastQuantization

/// `trainingMode`, `step()` and the `qat_schedule` on the digits CNN with BatchNorm (a few batches of 32, so the
/// suite stays fast), plus the straight-through estimator and the trainer's error paths.
@Suite("QAT schedule and training mode", .serialized)
struct QATScheduleTests {
  typealias Digits = QATDigitsTests

  static func batch(_ k: Int, size: Int = 32) -> (x: Tensor, y: Tensor) {
    let x = QuantizerFixtures.rows(Digits.trainX, k * size..<(k + 1) * size)
    let labels = Array(Digits.trainY.scalars(as: Int64.self)[k * size..<(k + 1) * size])
    return (x, Tensor(shape: [size], scalars: labels, dtype: .int64))
  }

  static func quantizer(_ schedule: QATSchedule, mode: QuantizerConfig.ExecutionMode = .graph)
    throws -> Quantizer
  {
    var global = ModuleQuantizerConfig()
    global.qatSchedule = schedule
    let quantizer = try Quantizer(
      Digits.model, config: QuantizerConfig(global: global).setExecutionMode(mode))
    _ = try quantizer.prepare(exampleInputs: [["input": batch(40).x]])
    return quantizer
  }

  /// One SGD step on batch `k` (cross-entropy) and `quantizer.step()`; returns the logits.
  @discardableResult
  static func trainStep(
    _ quantizer: Quantizer, _ session: QATSession, _ optimizer: inout SGD, _ k: Int
  ) throws -> Tensor {
    let (x, y) = batch(k)
    let tape = try session.forward(["input": x])
    let (_, seed) = try Loss.crossEntropy(
      logits: tape.outputs["logits"]!, labels: y.scalars(as: Int64.self).map(Int.init))
    try optimizer.step(&session.parameters, gradients: tape.backward(seed: ["logits": seed]))
    session.update(from: tape)
    try quantizer.step()
    return tape.outputs["logits"]!
  }

  @Test(arguments: [QuantizerConfig.ExecutionMode.graph, .eager])
  func freezeBatchNormKeepsRunningStatisticsFromStepN(_ mode: QuantizerConfig.ExecutionMode) throws {
    let quantizer = try Self.quantizer(QATSchedule(freezeBN: .step(2)), mode: mode)
    var optimizer = SGD(learningRate: 0.01, momentum: 0.9)
    try quantizer.trainingMode { session in
      let initial = session.runningStatistics
      #expect(!initial.isEmpty)
      for k in 0..<2 { try Self.trainStep(quantizer, session, &optimizer, k) }
      let atN = session.runningStatistics
      #expect(atN != initial, "BN statistics move before freeze_bn")
      #expect(session.isBatchNormFrozen)
      for k in 2..<5 { try Self.trainStep(quantizer, session, &optimizer, k) }
      #expect(session.runningStatistics == atN, "BN statistics identical after freeze_bn at step 2")
    }
  }

  /// With `disable_observer` at step 2, every activation scale and zero point and every weight's qparams stay as
  /// they were at step 2 while the weights keep training, and leaving `trainingMode` keeps them.
  @Test(arguments: [QuantizerConfig.ExecutionMode.graph, .eager])
  func disableObserverFreezesEveryScaleAndZeroPoint(_ mode: QuantizerConfig.ExecutionMode) throws {
    let quantizer = try Self.quantizer(QATSchedule(disableObserver: .step(2)), mode: mode)
    #expect(quantizer.plan.mode == mode)
    var optimizer = SGD(learningRate: 0.01, momentum: 0.9)
    func qparams() throws -> [QParams?] {
      try quantizer.plan.activations.map { try quantizer.activationQParams($0.id) }
        + quantizer.plan.weights.indices.map { quantizer.weightQParams($0) }
    }
    var frozen: [QParams?] = []
    try quantizer.trainingMode { session in
      let initial = try qparams()
      for k in 0..<2 { try Self.trainStep(quantizer, session, &optimizer, k) }
      let atN = try qparams()
      frozen = atN
      #expect(atN.allSatisfy { $0 != nil })
      let activations = quantizer.plan.activations.count
      #expect(atN[..<activations] != initial[..<activations], "activation observers update before disable_observer")
      #expect(atN[activations...] != initial[activations...], "weight observers update before disable_observer")
      #expect(!quantizer.isObserverEnabled && quantizer.isFakeQuantEnabled)
      let weights = session.parameters
      for k in 2..<5 { try Self.trainStep(quantizer, session, &optimizer, k) }
      #expect(session.parameters != weights, "the weights keep training")
      #expect(try qparams() == atN, "every scale and zero point identical after disable_observer at step 2")
    }
    #expect(!frozen.isEmpty)
    #expect(try qparams() == frozen, "leaving training mode keeps the frozen qparams")
  }

  /// With fake-quant enabled at step 3 (observers from 0), the training forward equals the float model's (BatchNorm
  /// on batch statistics) for steps 0–2, then differs. Eager mode computes the same graph plus identity fake-quant
  /// nodes: equal exactly. Graph mode runs the simulated fold `Conv(x, w·s)/s`: equal up to float32 rounding of
  /// the multiply and divide by `s` (relative 1e-6 per op; 1e-4 absolute on logits of magnitude ~10).
  @Test(arguments: [QuantizerConfig.ExecutionMode.graph, .eager])
  func lateFakeQuantGivesTheFloatOutputsUntilThen(_ mode: QuantizerConfig.ExecutionMode) throws {
    let quantizer = try Self.quantizer(
      QATSchedule(enableObserver: .step(0), enableFakeQuant: .step(3)), mode: mode)
    let float = try TrainingExecutor(
      Digits.model,
      trainable: Set(Digits.model.graph.initializers.keys.filter { !$0.contains("running") }))
    var optimizer = SGD(learningRate: 0)  // parameters stay the float model's
    try quantizer.trainingMode { session in
      for k in 0..<4 {
        let expected = try float.forward(["input": Self.batch(k).x]).outputs["logits"]!
        #expect(quantizer.isFakeQuantEnabled == (k >= 3))
        let logits = try Self.trainStep(quantizer, session, &optimizer, k)
        let difference = maxAbsDiff(logits, expected)
        if k < 3 {
          #expect(
            difference <= (mode == .eager ? 0 : 1e-4),
            "step \(k): float outputs until enable_fake_quant")
        } else {
          #expect(difference > 1e-3, "step \(k): fake-quant on")
        }
      }
    }
  }

  @Test func epochMilestonesNeedAnEpochLength() throws {
    let quantizer = try Self.quantizer(QATSchedule(enableFakeQuant: .epoch(1)))
    #expect {
      try quantizer.trainingMode { _ in }
    } throws: { error in
      "\(error)".contains(
        "enable_fake_quant is at epoch 1.0, but the number of steps per epoch is unknown")
    }
    #expect(!quantizer.isObserverEnabled && quantizer.isFakeQuantEnabled)
    try quantizer.trainingMode(stepsPerEpoch: 3) { _ in
      #expect(quantizer.isObserverEnabled && !quantizer.isFakeQuantEnabled)
      for _ in 0..<3 { try quantizer.step() }
      #expect(quantizer.isFakeQuantEnabled)
    }
  }

  /// A `module_name_configs` scope with its own `qat_schedule` governs the quantizers it gave specs to.
  @Test func perModuleSchedules() throws {
    var late = ModuleQuantizerConfig()
    late.qatSchedule = QATSchedule(enableFakeQuant: .step(100))
    let config = QuantizerConfig(global: ModuleQuantizerConfig()).setModuleName("14", late)
    let quantizer = try Quantizer(Digits.model, config: config)
    _ = try quantizer.prepare(exampleInputs: [["input": Self.batch(40).x]])
    try quantizer.trainingMode { _ in
      let flags = quantizer.state.flags
      for (index, weight) in quantizer.plan.weights.enumerated() {
        let scoped = weight.source.scope == .moduleName("14")
        #expect(flags.weightFakeQuant[index] == !scoped, "\(weight.displayName)")
        #expect(flags.weightObserver[index])
      }
      #expect(quantizer.plan.weights.contains { $0.source.scope == .moduleName("14") })
    }
  }

  /// `freeze_bn` in BatchNorm module `1`'s schedule freezes only that BatchNormalization, in graph mode (where it
  /// is simulated-folded into Conv `0`) and in eager mode.
  @Test(arguments: [(QuantizerConfig.ExecutionMode.graph, "1"), (.eager, "1")])
  func perModuleFreezeBatchNorm(_ mode: QuantizerConfig.ExecutionMode, module: String) throws {
    var scoped = ModuleQuantizerConfig()
    scoped.qatSchedule = QATSchedule(freezeBN: .step(1))
    let config = QuantizerConfig(global: ModuleQuantizerConfig()).setModuleName(module, scoped)
      .setExecutionMode(mode)
    let quantizer = try Quantizer(Digits.model, config: config)
    _ = try quantizer.prepare(exampleInputs: [["input": Self.batch(40).x]])
    var optimizer = SGD(learningRate: 0.01, momentum: 0.9)
    let bn = "/1/BatchNormalization"
    try quantizer.trainingMode { session in
      #expect(session.batchNorms.count == 3 && session.batchNorms.contains(bn))
      // Step 0 with the schedule advanced before the statistics are adopted: the tape, recorded before BN `1`
      // froze, must not move its statistics, and does move the others'.
      let initial = session.runningStatistics
      let (x, y) = Self.batch(0)
      let tape = try session.forward(["input": x])
      let (_, seed) = try Loss.crossEntropy(
        logits: tape.outputs["logits"]!, labels: y.scalars(as: Int64.self).map(Int.init))
      try optimizer.step(&session.parameters, gradients: tape.backward(seed: ["logits": seed]))
      try quantizer.step()
      session.update(from: tape)
      #expect(session.frozenBatchNorms == [bn])
      let frozenNode = try #require(session.graph.graph.nodes.first { $0.name == bn })
      #expect(session.runningStatistics[frozenNode.inputs[3]] == initial[frozenNode.inputs[3]])
      #expect(session.runningStatistics.filter { $0.value != initial[$0.key] }.count == 4)
      #expect(!session.isBatchNormFrozen)
      let atN = session.runningStatistics
      for k in 1..<3 { try Self.trainStep(quantizer, session, &optimizer, k) }
      let after = session.runningStatistics
      let graph = session.graph.graph
      let node = try #require(graph.nodes.first { $0.name == bn })
      for name in [node.inputs[3], node.inputs[4]] {
        #expect(after[name] == atN[name], "\(name) frozen after step 1")
      }
      let others = graph.nodes.filter { $0.opType == "BatchNormalization" && $0.name != bn }
      #expect(others.count == 2)
      for other in others { #expect(after[other.inputs[3]] != atN[other.inputs[3]], "\(other.name) still moves") }
    }
  }

  /// With observers off and BatchNorm frozen from step 0, the eager training forward computes what the prepared
  /// model does: the same fake-quantized weights and activations. The one difference is the bias: training keeps
  /// it float, as coreai-opt and PyTorch do, while the prepared model and the export round it to int32 in units of
  /// `s_in · s_w`. The classifier's output is left float so that shows: 9.8e-5 on the logits when measured. (Graph
  /// mode's simulated fold differs from the folded Conv by float32 rounding, which flips an occasional code.)
  @Test func eagerTrainingForwardMatchesThePreparedModelUpToTheBiasRounding() throws {
    var global = ModuleQuantizerConfig()
    global.qatSchedule = QATSchedule(disableObserver: .step(0), freezeBN: .step(0))
    var classifier = global
    classifier.opOutputSpec = .disabled
    let config = QuantizerConfig(global: global).setModuleName("14", classifier).setExecutionMode(.eager)
    let quantizer = try Quantizer(Digits.model, config: config)
    let prepared = try quantizer.prepare(exampleInputs: [["input": Self.batch(40).x]])
    try quantizer.calibrationMode { _ = try prepared(["input": Self.batch(41).x]) }
    #expect(quantizer.biasSites.contains { $0.node.contains("14") || $0.initializer.hasPrefix("14.") })
    let x = Self.batch(0).x
    let expected = try prepared(["input": x])["logits"]!
    try quantizer.trainingMode { session in
      let logits = try session.forward(["input": x]).outputs["logits"]!
      let difference = maxAbsDiff(logits, expected)
      #expect(difference > 0 && difference <= 1e-3, "max |Δ| \(difference)")
    }
  }

  struct Failure: Error {}

  @Test func leavingTrainingModeIsEvaluationSafeAlsoWhenTheBodyThrows() throws {
    let quantizer = try Self.quantizer(QATSchedule(enableFakeQuant: .step(5)))
    #expect(throws: Failure.self) {
      try quantizer.trainingMode { _ in
        #expect(quantizer.isObserverEnabled && !quantizer.isFakeQuantEnabled)
        throw Failure()
      }
    }
    #expect(!quantizer.isObserverEnabled)
    #expect(quantizer.isFakeQuantEnabled)
  }

  /// The STE passes the gradient inside the clamp range and zeroes it outside; with fake-quant off it is the identity.
  @Test func straightThroughEstimatorIsZeroOutsideTheClampRange() throws {
    let spec = QuantizationSpec(dtype: .int8)
    let qparams = try QParams.compute(min: [-1], max: [1], spec: spec)
    // s = 1/127.5: codes clamp below −128.5 steps and above +127.5 steps, i.e. for x < −1 − s and x > 1 (1 itself
    // is the tie 127.5, within a rounding of the scale). −1.003 is code −128, inside; 0.996 is code 127, inside.
    let x = Tensor(shape: [6], floats: [-3, -1.003, -0.5, 0, 0.996, 2])
    let dy = Tensor(shape: [6], floats: [1, 2, 3, 4, 5, 6])
    let dx = try RecastOps.straightThrough(x, dy, qparams: qparams)
    #expect(dx.scalars(as: Float.self) == [0, 2, 3, 4, 5, 0])
    #expect(
      try RecastOps.straightThrough(
        Tensor(shape: [2], floats: [1.002, -1.01]), Tensor(shape: [2], floats: [1, 2]), qparams: qparams)
        .scalars(as: Float.self) == [0, 0])
    #expect(
      try RecastOps.straightThrough(x, dy, qparams: nil).scalars(as: Float.self) == [
        1, 2, 3, 4, 5, 6,
      ])
  }

  /// The fused STE kernel keeps exactly the elements `FakeQuant.mask` keeps, for integer formulations and
  /// granularities and a float format, on a tensor large enough to be split over threads.
  @Test(arguments: [
    QuantizationSpec(dtype: .int8),
    QuantizationSpec(dtype: .uint8, qscheme: .asymmetric, qformulation: .minval, granularity: .perChannel(axis: 1)),
    QuantizationSpec(dtype: .int4, granularity: .perBlock(axis: 1, blockSize: 8)),
    QuantizationSpec(dtype: .float8_e4m3fn),
  ])
  func straightThroughKeepsWhatTheMaskKeeps(_ spec: QuantizationSpec) throws {
    let shape = [64, 16, 8, 8]
    let count = shape.reduce(1, *)
    var state: UInt64 = 7
    let values = (0..<count).map { _ -> Float in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(Double(state >> 40) / Double(1 << 24)) * 4 - 2
    }
    let x = Tensor(shape: shape, floats: values)
    // Parameters from a narrower range, so that about a third of the elements lie outside.
    let qparams = try QParams.compute(for: Tensor(shape: shape, floats: values.map { $0 * 0.6 }), spec: spec)
    let dy = Tensor(shape: shape, floats: (0..<count).map { Float($0 % 97) + 1 })
    let mask = try FakeQuant.mask(x, qparams: qparams)
    let expected = zip(dy.floats(), mask).map { $1 ? $0 : 0 }
    #expect(mask.contains(false) && mask.contains(true))
    #expect(try RecastOps.straightThrough(x, dy, qparams: qparams).floats() == expected, "\(spec)")
  }

  /// Batches whose third carries a NaN target: MSE becomes NaN at step 3.
  struct PoisonedData: QATDataSource {
    var batchesPerEpoch: Int { 4 }
    func batches(epoch: Int) throws -> [QATBatch] {
      (0..<4).map { k in
        var target = [Float](repeating: 0, count: 32 * 10)
        if k == 2 { target[5] = .nan }
        return QATBatch(
          inputs: ["input": QATScheduleTests.batch(k).x],
          labels: Tensor(shape: [32, 10], floats: target))
      }
    }
  }

  @Test func nonFiniteLossStopsWithTheStepAndKeepsTheLastGoodParameters() throws {
    let quantizer = try Self.quantizer(QATSchedule())
    var trainer = QATTrainer(
      epochs: 1, optimizer: SGD(learningRate: 0.001), loss: .meanSquaredError)
    var losses: [Double] = []
    var afterStep2: [String: Tensor] = [:]
    do {
      try trainer.run(quantizer, data: PoisonedData()) { progress in
        losses.append(progress.loss)
        if progress.step == 2 { afterStep2 = quantizer.qatSession!.parameters }
      }
      Issue.record("training should stop")
    } catch let error as QATTrainingError {
      #expect(error.kind == .nonFiniteLoss)
      #expect(error.step == 3)
      #expect(error.lastFiniteLoss == losses.last)
      #expect("\(error)".contains("step 3"))
    }
    #expect(losses.count == 2)
    #expect(quantizer.qatSession!.parameters == afterStep2)
    #expect(quantizer.isFakeQuantEnabled && !quantizer.isObserverEnabled)
    _ = try quantizer.finalize(backend: .onnx)
  }

  @Test func lossesThatNeedLabelsRejectBatchesWithout() throws {
    let quantizer = try Self.quantizer(QATSchedule())
    let data = try TensorDataSource(inputs: ["input": Self.batch(0).x], batchSize: 16)
    var trainer = QATTrainer(epochs: 1, optimizer: SGD(learningRate: 0.01))
    #expect { try trainer.run(quantizer, data: data) } throws: {
      ($0 as? QATTrainingError)?.kind == .labels
    }
    let bad = try TensorDataSource(
      inputs: ["input": Self.batch(0).x],
      labels: Tensor(shape: [32], scalars: [Int64](repeating: 12, count: 32), dtype: .int64),
      batchSize: 16)
    #expect { try trainer.run(quantizer, data: bad) } throws: {
      "\($0)".contains("label 12 at index 0 is outside 0..<10")
    }
    // Distillation needs no labels.
    var distill = QATTrainer(
      steps: 2, optimizer: Adam(learningRate: 1e-4), loss: .distillation(temperature: 2))
    let summary = try distill.run(quantizer, data: data)
    #expect(summary.steps == 2 && summary.losses.allSatisfy(\.isFinite))
  }

  /// The same seed gives the same losses and weights.
  @Test func trainingIsDeterministicForAFixedSeed() throws {
    func train() throws -> ([Double], [String: Tensor]) {
      let quantizer = try Self.quantizer(QATSchedule())
      let data = try TensorDataSource(
        inputs: ["input": QuantizerFixtures.rows(Digits.trainX, 0..<128)],
        labels: try Digits.trainY.sliced(starts: [0], ends: [128], axes: [0]), batchSize: 32,
        shuffle: true, seed: 3)
      var trainer = QATTrainer(
        epochs: 1, optimizer: AdamW(learningRate: 1e-3),
        schedule: LearningRateSchedule(.cosine(minimum: 0), warmupSteps: 1),
        gradientClipNorm: 1)
      let summary = try trainer.run(quantizer, data: data)
      return (
        summary.losses,
        quantizer.plan.graph.initializers.reduce(into: [:]) { $0[$1.key] = $1.value }
      )
    }
    let (a, b) = (try train(), try train())
    #expect(a.0 == b.0)
    #expect(a.1 == b.1)
  }

  /// One thread and every core give the same bytes: losses, gradients, weights and BatchNorm statistics after three
  /// graph-mode W8A8 steps at batch 64 (the batch size whose convolution gradients the kernels split into chunks).
  @Test(arguments: [QuantizerConfig.ExecutionMode.graph, .eager])
  func stepsAreBitIdenticalOnOneThreadAndOnAll(_ mode: QuantizerConfig.ExecutionMode) throws {
    func train() throws -> (losses: [Double], gradients: [[String: Tensor]], weights: [String: Tensor]) {
      let quantizer = try Quantizer(Digits.model, config: QuantizerConfig.presets.w8a8().setExecutionMode(mode))
      _ = try quantizer.prepare(exampleInputs: [["input": Self.batch(0, size: 64).x]])
      var optimizer = SGD(learningRate: 0.01, momentum: 0.9)
      var (losses, gradients): ([Double], [[String: Tensor]]) = ([], [])
      try quantizer.trainingMode(stepsPerEpoch: 3) { session in
        for k in 0..<3 {
          let (x, y) = Self.batch(k, size: 64)
          let tape = try session.forward(["input": x])
          let (loss, seed) = try Loss.crossEntropy(
            logits: tape.outputs["logits"]!, labels: y.scalars(as: Int64.self).map(Int.init))
          let g = try tape.backward(seed: ["logits": seed])
          try optimizer.step(&session.parameters, gradients: g)
          session.update(from: tape)
          try quantizer.step()
          losses.append(loss)
          gradients.append(g)
        }
      }
      return (losses, gradients, quantizer.plan.graph.initializers.reduce(into: [:]) { $0[$1.key] = $1.value })
    }
    let all = try train()
    let one = try Parallelism.withWorkerLimit(1) { try train() }
    #expect(one.losses == all.losses)
    #expect(one.gradients == all.gradients, "gradients differ between one thread and \(Parallelism.workers)")
    #expect(one.weights == all.weights)
  }

  /// A flag set by hand inside `trainingMode` holds until the schedule moves that flag: `step()` applies only the
  /// milestones it reaches. Entering `trainingMode` again sets every flag from the schedule.
  @Test func manualFlagsHoldUntilAMilestoneOfThatFlag() throws {
    let quantizer = try Self.quantizer(QATSchedule(enableFakeQuant: .step(2), disableObserver: .step(4)))
    let state = quantizer.state
    func flags() -> (observer: Bool, fakeQuant: Bool) { (state.isObserverEnabled, state.isFakeQuantEnabled) }
    try quantizer.trainingMode { _ in
      #expect(flags() == (true, false))
      quantizer.enableFakeQuant()
      try quantizer.step()  // step 1: no milestone
      #expect(flags() == (true, true), "enableFakeQuant() holds")
      quantizer.disableObserver()
      try quantizer.step()  // step 2: enable_fake_quant
      #expect(flags() == (false, true), "disableObserver() holds; fake-quant on as scheduled")
      quantizer.disableFakeQuant()
      try quantizer.step()  // step 3: no milestone
      #expect(flags() == (false, false), "disableFakeQuant() holds")
      quantizer.enableObserver()
      try quantizer.step()  // step 4: disable_observer
      #expect(flags() == (false, false), "disable_observer turns the observer off; fake-quant stays off")
    }
    #expect(flags() == (false, true), "evaluation-safe on exit")
    try quantizer.trainingMode { _ in
      #expect(flags() == (false, true), "entering sets every flag from the schedule at step 4")
    }
  }

  /// `overrideSchedule` (a recipe train stage's own `qat_schedule`) replaces every scope's schedule, module scopes
  /// included, with milestones counted from the step it is set at; nil restores the config's schedules.
  @Test func overrideScheduleReplacesEveryScopeCountedFromNow() throws {
    var scoped = ModuleQuantizerConfig()
    scoped.qatSchedule = QATSchedule(enableFakeQuant: .step(100))
    let config = QuantizerConfig(global: ModuleQuantizerConfig()).setModuleName("14", scoped)
    let quantizer = try Quantizer(Digits.model, config: config)
    _ = try quantizer.prepare(exampleInputs: [["input": Self.batch(40).x]])
    let state = quantizer.state
    let scopedWeights = quantizer.plan.weights.indices.filter {
      quantizer.plan.weights[$0].source.scope == .moduleName("14")
    }
    #expect(!scopedWeights.isEmpty)
    func scopedFakeQuant() -> [Bool] { scopedWeights.map { state.flags.weightFakeQuant[$0] } }
    try quantizer.trainingMode { _ in
      for _ in 0..<3 { try quantizer.step() }
      #expect(scopedFakeQuant().allSatisfy { !$0 } && state.isObserverEnabled)
      try quantizer.overrideSchedule(QATSchedule(disableObserver: .step(2)))
      #expect(scopedFakeQuant().allSatisfy { $0 }, "module 14 follows the override")
      #expect(state.flags.activationObserver.allSatisfy { $0 } && state.flags.weightObserver.allSatisfy { $0 })
      try quantizer.step()  // step 4, 1 after the override
      #expect(state.isObserverEnabled)
      try quantizer.step()  // step 5, 2 after the override
      #expect(!state.isObserverEnabled, "disable_observer at 2, counted from the override")
      try quantizer.overrideSchedule(nil)
      #expect(scopedFakeQuant().allSatisfy { !$0 }, "module 14's own schedule again (step 5 < 100)")
      #expect(state.flags.activationObserver.allSatisfy { $0 }, "the global default again: observers on")
    }
  }

  /// An override that cannot apply (an epoch milestone with no epoch length) throws and leaves the schedule in
  /// force as it was: later steps still work.
  @Test func failedOverrideKeepsThePreviousSchedule() throws {
    let quantizer = try Self.quantizer(QATSchedule(disableObserver: .step(2)))
    try quantizer.trainingMode { _ in
      #expect(throws: QuantizationError.self) {
        try quantizer.overrideSchedule(QATSchedule(disableObserver: .epoch(1)))
      }
      #expect(quantizer.isObserverEnabled)
      try quantizer.step()
      try quantizer.step()
      #expect(!quantizer.isObserverEnabled, "the config's disable_observer at step 2 still applies")
    }
  }
}

/// BatchNorm statistics in QAT follow PyTorch's `BatchNorm2d` (which coreai-opt trains with): normalise with the
/// biased batch variance, update the running variance with the unbiased one, `n / (n − 1)` times larger.
@Suite("QAT BatchNorm statistics")
struct QATBatchNormStatisticsTests {
  typealias Digits = QATDigitsTests

  @Test func runningVarianceUpdatesWithTheUnbiasedBatchVariance() throws {
    let quantizer = try Quantizer(Digits.model, config: QuantizerConfig().setExecutionMode(.eager))
    // Two images: n = 2 · 8 · 8 = 128 values per channel, so unbiased and biased differ by 1/127.
    let x = QuantizerFixtures.rows(Digits.trainX, 0..<2)
    _ = try quantizer.prepare(exampleInputs: [["input": x]])
    let graph = Digits.model.graph
    let bn = try #require(graph.nodes.first { $0.opType == "BatchNormalization" })
    let conv = try #require(graph.nodes.first { node in node.opType == "Conv" && node.outputs.first == bn.inputs[0] })
    let weight = try #require(graph.initializers[conv.inputs[1]])
    let y = try Tensor.conv(x, weight: weight, pads: [1, 1, 1, 1]).scalars(as: Float.self)
    let channels = weight.shape[0]
    let n = y.count / channels
    let oldMean = try #require(graph.initializers[bn.inputs[3]]).scalars(as: Float.self)
    let oldVariance = try #require(graph.initializers[bn.inputs[4]]).scalars(as: Float.self)
    try quantizer.trainingMode { session in
      quantizer.disableFakeQuant()
      let tape = try session.forward(["input": x])
      session.update(from: tape)
      let mean = try #require(session.runningStatistics[bn.inputs[3]]).scalars(as: Float.self)
      let variance = try #require(session.runningStatistics[bn.inputs[4]]).scalars(as: Float.self)
      for c in 0..<channels {
        var values: [Double] = []
        for image in 0..<2 {
          let start = (image * channels + c) * (n / 2)
          values += y[start..<start + n / 2].map(Double.init)
        }
        let batchMean = values.reduce(0, +) / Double(n)
        let squares = values.reduce(0) { $0 + ($1 - batchMean) * ($1 - batchMean) }
        let unbiased = 0.9 * Double(oldVariance[c]) + 0.1 * squares / Double(n - 1)
        let biased = 0.9 * Double(oldVariance[c]) + 0.1 * squares / Double(n)
        let expectedMean = 0.9 * Double(oldMean[c]) + 0.1 * batchMean
        #expect(abs(Double(mean[c]) - expectedMean) <= 1e-5, "mean of channel \(c)")
        #expect(abs(Double(variance[c]) - unbiased) <= 1e-6 * max(1, unbiased), "variance of channel \(c)")
        if abs(unbiased - biased) > 1e-5 * unbiased { #expect(abs(Double(variance[c]) - biased) > 1e-6 * unbiased) }
      }
    }
  }
}
