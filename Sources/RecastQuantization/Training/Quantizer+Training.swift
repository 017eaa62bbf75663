public import RecastGraph
import RecastTensor

extension Quantizer {
  /// Runs `body` in QAT mode (DESIGN.md §3.4, coreai-opt's `training_mode()`): BatchNormalization on batch
  /// statistics (until `freeze_bn`), observers and fake-quant as the `qat_schedule` says for the current step
  /// (by default both on), weights fake-quantized inside the graph so their float values train.
  ///
  /// On exit — also when `body` throws — the trained weights (BN-folded in graph mode) and running statistics are
  /// written into `plan.graph`, weight qparams are recomputed from the final weights where the weight observer was
  /// still on (kept as they are where the schedule froze them), the prepared model is rebuilt on them, and the
  /// quantizer is left evaluation-safe: observers off, fake-quant on. Session state and the step count carry over
  /// to the next call, so a loop may enter `trainingMode` once per epoch.
  ///
  /// - Parameter stepsPerEpoch: the epoch length, needed when a schedule milestone is given in epochs.
  /// - Throws: before `prepare`, for epoch milestones without an epoch length, and whatever `body` throws.
  @discardableResult
  public func trainingMode<R>(stepsPerEpoch: Int? = nil, _ body: (QATSession) throws -> R) throws
    -> R
  {
    if let stepsPerEpoch {
      guard stepsPerEpoch > 0 else {
        throw QuantizationError("stepsPerEpoch must be positive; found \(stepsPerEpoch)")
      }
      training.stepsPerEpoch = stepsPerEpoch
    }
    guard training.prepared != nil, weightQParams.count == plan.weights.count else {
      throw QuantizationError("trainingMode needs prepare(exampleInputs:) first")
    }
    let session: QATSession
    if let existing = training.session {
      session = existing
      syncLearnedParameters(all: true)
    } else {
      session = try makeSession()
      training.session = session
    }
    training.isActive = true
    training.scheduledFlags = nil
    let result: R
    do {
      try applySchedule()
      result = try body(session)
    } catch {
      try? leaveTraining()
      throw error
    }
    try leaveTraining()
    return result
  }

  /// Advances the QAT schedule by one step (call it after each optimizer step, as upstream's `quantizer.step()`);
  /// inside `trainingMode` the flags and the BatchNorm mode change as soon as a milestone is reached. Only flags
  /// whose milestone is reached change: a flag set by hand (`disableFakeQuant()`, ...) keeps its value until the
  /// schedule moves that flag. Entering `trainingMode` sets every flag from the schedule.
  public func step() throws {
    syncLearnedParameters()
    training.stepCount += 1
    if training.isActive { try applySchedule() }
  }

  /// Replaces the `qat_schedule` of every config scope with `schedule`, its milestones counted from the current
  /// step (a recipe's train stage with its own `qat_schedule`); nil goes back to the config's schedules, counted
  /// from the first step. BatchNorms already frozen stay frozen. Inside `trainingMode` the flags follow at once.
  /// - Throws: inside `trainingMode`, for epoch milestones without an epoch length; the previous schedule then
  ///   stays in force.
  public func overrideSchedule(_ schedule: QATSchedule?) throws {
    let previous = (training.scheduleOverride, training.scheduledFlags)
    training.scheduleOverride = schedule.map { ($0, training.stepCount) }
    training.scheduledFlags = nil
    guard training.isActive else { return }
    do {
      try applySchedule()
    } catch {
      (training.scheduleOverride, training.scheduledFlags) = previous
      throw error
    }
  }

  /// The number of `step()` calls so far.
  public var qatStep: Int { training.stepCount }

  /// The epoch length used to turn epoch milestones into steps (set by `trainingMode(stepsPerEpoch:)`).
  public var stepsPerEpoch: Int? {
    get { training.stepsPerEpoch }
    set { training.stepsPerEpoch = newValue }
  }

  /// The QAT session, once `trainingMode` has run.
  public var qatSession: QATSession? { training.session }

  /// The float model the quantizer was built from (the distillation teacher); nil for a quantizer built from a plan.
  public var sourceModel: Model? {
    guard let graph = training.sourceGraph else { return nil }
    var model = template
    model.graph = graph
    return model
  }

  // MARK: - Internals

  private func makeSession() throws -> QATSession {
    let graph = try QATGraph(quantizer: self)
    var gradients = GradientTable.standard
    for rule in RecastOps.gradientRules(state: state) { gradients.register(rule) }
    // Running variances update as PyTorch's BatchNorm does (unbiased batch variance), which coreai-opt trains
    // with; the ONNX training-mode BatchNormalization the plain executor runs uses the biased one.
    let options = TrainingExecutor.Options(
      customKernels: [
        RecastOps.fakeQuantize(state: state),
        RecastOps.weightFakeQuantize(state: state, count: plan.weights.count),
      ],
      gradients: gradients, batchNorm: .batchStatistics,
      optionalGradients: Set(graph.learned.flatMap { [$0.scale] + ($0.zeroPoint.map { [$0] } ?? []) }),
      unbiasedRunningVariance: true)
    return try QATSession(graph: graph, opset: template.defaultOpset ?? 17, options: options)
  }

  /// Sets every quantizer's flags (and the BatchNorm mode) from its schedule at the current step.
  func applySchedule() throws {
    let step = training.stepCount - (training.scheduleOverride?.origin ?? 0)
    let perEpoch = training.stepsPerEpoch
    func reached(_ milestone: Milestone?, _ field: String) throws -> Bool {
      guard let milestone else { return false }
      if case .epoch(let epoch) = milestone {
        guard let perEpoch else {
          throw QuantizationError(
            "qat_schedule: \(field) is at epoch \(epoch), but the number of steps per epoch is unknown",
            help:
              "pass stepsPerEpoch to trainingMode (QATTrainer does), or give the milestone in steps"
          )
        }
        return step >= milestone.step(stepsPerEpoch: perEpoch)
      }
      return step >= milestone.step(stepsPerEpoch: 1)
    }
    func flags(_ schedule: QATSchedule) throws -> (observer: Bool, fakeQuant: Bool) {
      let observer =
        try reached(schedule.enableObserver, "enable_observer")
        && !(try reached(schedule.disableObserver, "disable_observer"))
      return (observer, try reached(schedule.enableFakeQuant, "enable_fake_quant"))
    }
    var scheduled = state.flags
    for quantizer in plan.activations {
      let schedule = qatSchedule(for: quantizer.source)
      (scheduled.activationObserver[quantizer.id], scheduled.activationFakeQuant[quantizer.id]) = try flags(
        schedule)
    }
    for (index, quantizer) in plan.weights.enumerated() {
      let schedule = qatSchedule(for: quantizer.source)
      (scheduled.weightObserver[index], scheduled.weightFakeQuant[index]) = try flags(schedule)
    }
    // Every milestone is read (and may throw) before anything changes.
    var frozen: Set<String> = []
    if let session = training.session {
      let scopes = batchNormScopes(session)
      for name in session.batchNorms.subtracting(session.frozenBatchNorms) {
        let schedule = qatSchedule(forScope: scopes[name])
        if try reached(schedule.freezeBN, "freeze_bn") { frozen.insert(name) }
      }
    }
    if let previous = training.scheduledFlags {
      var modes = state.flags
      func follow(_ flags: WritableKeyPath<QuantizerState.Flags, [Bool]>) {
        for i in modes[keyPath: flags].indices where scheduled[keyPath: flags][i] != previous[keyPath: flags][i] {
          modes[keyPath: flags][i] = scheduled[keyPath: flags][i]
        }
      }
      follow(\.activationObserver)
      follow(\.activationFakeQuant)
      follow(\.weightObserver)
      follow(\.weightFakeQuant)
      state.flags = modes
    } else {
      state.flags = scheduled
    }
    training.scheduledFlags = scheduled
    try training.session?.freezeBatchNorms(frozen)
  }

  /// The config scope of each BatchNormalization node's own module (module name > module type > global, as for
  /// quantizers), which decides its `freeze_bn`; computed once per session, and only when some module config has
  /// a schedule (else every node follows the global one).
  func batchNormScopes(_ session: QATSession) -> [String: SpecSource.Scope] {
    if let cached = training.batchNormScopes { return cached }
    var scopes: [String: SpecSource.Scope] = [:]
    if let config = training.config, let source = sourceModel,
      (config.moduleNameConfigs.entries + config.moduleTypeConfigs.entries).contains(where: {
        $0.value?.qatSchedule != nil
      })
    {
      let resolver = ConfigResolver(config: config, model: source)
      for node in source.graph.nodes where session.batchNorms.contains(node.name) {
        let path = ModuleStack(node: node).modules.last?.path ?? ""
        scopes[node.name] = resolver.scopeConfig(resolver.scope(for: resolver.stack(ofModule: path)).ref).scope
      }
    }
    training.batchNormScopes = scopes
    return scopes
  }

  /// The schedule of the config scope that gave a quantizer its spec: that scope's `qat_schedule`, else the
  /// global one, else upstream's default (observers and fake-quant from step 0, never disabled); while
  /// `overrideSchedule` is in force, its schedule for every scope.
  ///
  /// `freeze_bn` acts per BatchNormalization node, with the schedule of the scope of the node's own module.
  func qatSchedule(for source: SpecSource?) -> QATSchedule { qatSchedule(forScope: source?.scope) }

  /// The schedule of config scope `scope` (see `qatSchedule(for:)`).
  func qatSchedule(forScope scope: SpecSource.Scope?) -> QATSchedule {
    if let replaced = training.scheduleOverride { return replaced.schedule }
    guard let config = training.config else { return QATSchedule() }
    let global = config.globalConfig.effective?.qatSchedule
    let scoped: QATSchedule?? =
      switch scope {
      case .moduleType(let selector): config.moduleTypeConfigs[selector].map { $0?.qatSchedule }
      case .moduleName(let selector): config.moduleNameConfigs[selector].map { $0?.qatSchedule }
      case .global, nil: nil
      }
    return (scoped ?? nil) ?? global ?? QATSchedule()
  }

  /// Writes the session's values into the plan and the prepared model, then leaves observers off and fake-quant on.
  private func leaveTraining() throws {
    training.isActive = false
    defer { state.setAll(observer: false, fakeQuant: true) }
    try adoptTrainedValues()
  }

  /// The trained floats into `plan.graph` (folded for simulated folds), weight qparams, and a rebuilt prepared model.
  func adoptTrainedValues() throws {
    guard let session = training.session else { return }
    try adoptLearnedQParams()
    let values = session.parameters.merging(session.runningStatistics) { a, _ in a }
    var graph = plan.graph
    for (name, value) in values where graph.initializers[name] != nil {
      graph.initializers[name] = value
    }
    for fold in session.graph.folds {
      let (weight, bias) = try QATGraph.fold(fold, values: values)
      graph.initializers[fold.foldedWeight] = weight
      graph.initializers[fold.foldedBias] = bias
    }
    plan.graph = graph
    let flags = state.flags
    for (index, quantizer) in plan.weights.enumerated() {
      guard let tensor = graph.initializers[quantizer.initializer] else { continue }
      if flags.weightObserver[index] || state.weightQParams(index) == nil {
        var calculator = try registry.make(for: quantizer.spec, role: .weight)
        try calculator.observe(tensor)
        state.setWeightQParams(try calculator.computeQParams(), for: index)
      }
      let parameters = state.weightQParams(index)!
      weightQParams[index] = parameters
      fakeQuantizedWeights[index] = try FakeQuant.apply(
        tensor, qparams: parameters, spec: quantizer.spec)
    }
    training.prepared?.current = try .init(
      floatGraph: preparedGraph(quantized: false), quantizedGraph: preparedGraph(quantized: true),
      opset: template.defaultOpset ?? 17,
      kernels: [
        RecastOps.fakeQuantize(state: state),
        RecastOps.biasFakeQuantize(state: state, weights: weightQParams),
      ])
  }
}
