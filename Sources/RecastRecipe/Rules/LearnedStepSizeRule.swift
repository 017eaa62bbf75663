import RecastDiagnostics
import RecastQuantization
import RecastYAML

/// `fake_quantize_cls: lsq` needs an integer zp spec with float32 scales, and only learns after `disable_observer`.
struct LearnedStepSizeRule: LintRule {
  let id = "lint.lsq"
  let summary = "fake_quantize_cls: lsq on a spec it cannot train, or with observers that never stop"
  let explanation = """
    `fake_quantize_cls: lsq` makes a quantizer's scale (and, for asymmetric specs, its zero point)
    a trainable parameter during QAT. Its observer keeps setting the parameters while it is on; the
    optimizer trains them from `disable_observer` on. So:

    - the spec must be an integer dtype in the zp formulation with float32 scales (error);
    - some qat_schedule should set `disable_observer`, or the scales are never learned (warning);
    - a train stage without its own qat_schedule after one that learned goes back to quantization_config's
      schedule; if that never stops the observers, they overwrite the learned scales (warning).

        weight: {dtype: int4, fake_quantize_cls: lsq}
        qat_schedule: {disable_observer: {at_epoch: 1}}   # observe for one epoch, then learn
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    var findings: [Diagnostic] = []
    var learned: [Node] = []
    let config = RecipeConfig(context.root)
    for spec in allSpecs(context) {
      guard let name = spec["fake_quantize_cls"], name.string == "lsq" else { continue }
      learned.append(name)
      if let problem = config.parsedSpec(spec)?.learnedStepSizeProblem {
        findings.append(
          .error(id, "fake_quantize_cls lsq cannot train this spec: \(problem)", at: name.span,
            help: "use fake_quantize_cls: default, or an integer dtype in the zp formulation with float32 scales"))
      }
    }
    guard let first = learned.first else { return findings }
    func stops(_ schedule: Node) -> Bool { schedule["disable_observer"].map { !$0.isNull } ?? false }
    let configSchedules: [Node] = context.walker.scopes.compactMap { $0.node["qat_schedule"] }
    var schedules = configSchedules
    for stage in context.root["stages"]?.sequence ?? [] {
      if let schedule = stage["train"]?["qat_schedule"] { schedules.append(schedule) }
    }
    if !schedules.contains(where: stops) {
      findings.append(
        .warning(id, "fake_quantize_cls lsq learns nothing: no qat_schedule sets disable_observer", at: first.span,
          help: "add qat_schedule: {disable_observer: N} (a step, or {at_epoch: N}); until then observers set the scales"))
    }
    // A train stage without its own schedule after one that learned goes back to quantization_config's; when that
    // never stops the observers, they overwrite the learned scales.
    guard !configSchedules.contains(where: stops) else { return findings }
    var learnedBefore = false
    for (index, stage) in (context.root["stages"]?.sequence ?? []).enumerated() {
      guard let train = stage["train"] else { continue }
      if let schedule = train["qat_schedule"] {
        learnedBefore = learnedBefore || stops(schedule)
      } else if learnedBefore {
        findings.append(
          .warning(
            id, "stage \(index + 1) goes back to quantization_config's qat_schedule, whose observers never stop: "
              + "they overwrite the scales an earlier stage learned with fake_quantize_cls lsq",
            at: stage.span,
            help: "give this stage its own qat_schedule with disable_observer: 0, or set disable_observer in "
              + "quantization_config"))
      }
    }
    return findings
  }
}
