import RecastQuantization

extension RunSetup {
  /// What a `train` stage will do, in one line for `recast run --dry-run`: length, batches, optimizer, loss,
  /// learning-rate schedule, gradient clipping and the QAT schedule in force (the stage's own, which replaces
  /// every scope's, or the config's).
  public func trainPlan(_ step: RunStep) -> String {
    guard step.kind == .train, let settings = try? TrainSettings(step) else { return "quantization-aware training" }
    var parts: [String] = []
    let data = datasets[settings.data]
    let batch = settings.batchSize ?? data?.batchSize ?? 32
    let perEpoch = data.map { ($0.count + batch - 1) / batch }
    let seed = settings.seed ?? data?.seed ?? 0
    let epochs = settings.epochs ?? 1
    let length =
      settings.steps.map { "\($0) steps" + (perEpoch.map { " (an epoch is \($0))" } ?? "") }
      ?? (epochs == 1 ? "1 epoch" : "\(epochs) epochs") + (perEpoch.map { " of \($0) steps" } ?? "")
    parts.append(
      length + " on '\(settings.data)', batch \(batch)"
        + ((data?.shuffle ?? false) ? ", shuffled with seed \(seed)" : ""))
    switch settings.optimizer {
    case .sgd(let lr, let momentum, let nesterov, let decay):
      parts.append(
        "sgd lr \(lr)" + (momentum > 0 ? " momentum \(momentum)" : "") + (nesterov ? " nesterov" : "")
          + (decay > 0 ? " weight_decay \(decay)" : ""))
    case .adam(let lr, let betas, let eps, let decay, let decoupled):
      parts.append(
        "\(decoupled ? "adamw" : "adam") lr \(lr) betas (\(betas.0), \(betas.1)) eps \(eps) weight_decay \(decay)")
    }
    switch settings.loss {
    case .crossEntropy(let smoothing): parts.append("cross_entropy" + (smoothing > 0 ? " label_smoothing \(smoothing)" : ""))
    case .mse: parts.append("mse")
    case .distillation(let temperature): parts.append("distillation T \(temperature)")
    }
    func point(_ point: TrainSettings.Point?) -> String {
      switch point {
      case .step(let step)?: "\(step) steps"
      case .epoch(let epoch)?: "epoch \(epoch)"
      case nil: "none"
      }
    }
    switch settings.schedule {
    case .constant(let warmup): parts.append("constant lr" + (warmup == nil ? "" : ", warm-up \(point(warmup))"))
    case .cosine(let warmup, let minimum):
      parts.append("cosine to \(minimum)" + (warmup == nil ? "" : ", warm-up \(point(warmup))"))
    case .step(let warmup, let size, let gamma):
      parts.append("× \(gamma) every \(point(size))" + (warmup == nil ? "" : ", warm-up \(point(warmup))"))
    }
    if let clip = settings.gradClip { parts.append("grad_clip \(clip)") }
    if let node = step.settings["qat_schedule"], let schedule = try? recipe.schedule(node) {
      parts.append("qat_schedule (this stage, every scope) " + Self.describe(schedule))
    } else {
      let global = config.globalConfig.effective?.qatSchedule ?? QATSchedule()
      let scoped = (config.moduleNameConfigs.entries + config.moduleTypeConfigs.entries).filter {
        $0.value?.qatSchedule != nil
      }.count
      let later = steps.contains { $0.kind == .train && $0.index < step.index }
      parts.append(
        "qat_schedule " + Self.describe(global)
          + (scoped > 0 ? " (global; \(scoped) module scope(s) have their own)" : "")
          + (later ? " (counted from the run's first training step)" : ""))
    }
    return parts.joined(separator: "; ")
  }

  private static func describe(_ schedule: QATSchedule) -> String {
    func text(_ milestone: Milestone?) -> String { milestone.map { "\($0)" } ?? "never" }
    return "observers \(text(schedule.enableObserver))–\(text(schedule.disableObserver)), fake-quant from "
      + "\(text(schedule.enableFakeQuant)), freeze_bn \(text(schedule.freezeBN))"
  }
}
