import RecastDiagnostics
import RecastYAML

/// QAT schedule milestones must come in order: observe, then fake-quantize, then freeze.
struct QATScheduleOrderRule: LintRule {
  let id = "lint.qat-schedule-order"
  let summary = "qat_schedule milestones out of order"
  let explanation = """
    A qat_schedule turns observers and fake quantization on and off at optimizer steps (or
    `{at_epoch: N}`). Fake quantization needs observed ranges, and scales can only be frozen once
    they are used, so:

        enable_fake_quant >= enable_observer
        disable_observer  >= enable_fake_quant
        freeze_bn         >= 0

    Steps and epochs are compared only when both milestones use the same unit.
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    var schedules: [Node] = context.walker.scopes.compactMap { $0.node["qat_schedule"] }
    for stage in context.root["stages"]?.sequence ?? [] {
      if let schedule = stage["train"]?["qat_schedule"] { schedules.append(schedule) }
    }
    var findings: [Diagnostic] = []
    for schedule in schedules where schedule.mapping != nil {
      findings += order(schedule, later: "enable_fake_quant", earlier: "enable_observer")
      findings += order(schedule, later: "disable_observer", earlier: "enable_fake_quant")
      if let freeze = schedule["freeze_bn"], let (value, unit) = milestone(freeze), value < 0 {
        findings.append(.error(id, "freeze_bn must not be negative; found \(value) \(unit)", at: freeze.span))
      }
    }
    return findings
  }

  private func order(_ schedule: Node, later: String, earlier: String) -> [Diagnostic] {
    guard let laterNode = schedule[later], let earlierNode = schedule[earlier],
      let (l, lu) = milestone(laterNode), let (e, eu) = milestone(earlierNode), lu == eu, l < e
    else { return [] }
    return [
      Diagnostic(
        id: id, severity: .error,
        message: "\(later) (\(lu) \(l)) comes before \(earlier) (\(eu) \(e))",
        span: laterNode.span, notes: [.init("\(earlier) is set here", span: earlierNode.span)],
        help: "\(later) must be at or after \(earlier)")
    ]
  }

  /// A milestone's value and unit: an integer step, or `{at_epoch: N}`.
  private func milestone(_ node: Node) -> (Int, String)? {
    if case .int(let step)? = node.scalar?.value { return (step, "step") }
    if case .int(let epoch)? = node["at_epoch"]?.scalar?.value { return (epoch, "epoch") }
    return nil
  }
}
