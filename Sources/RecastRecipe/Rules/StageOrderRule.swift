import RecastDiagnostics
import RecastYAML

/// Stages run in a meaningful order: prepare before calibrate/train/finalize, finalize before export.
struct StageOrderRule: LintRule {
  let id = "lint.stage-order"
  let summary = "stages in an order that cannot run"
  let explanation = """
    `recast run` executes stages in the order written. The quantizer lifecycle constrains it:

      - calibrate, train and finalize need an earlier prepare; prepare runs once;
      - nothing but evaluate and export may follow finalize, and finalize runs once;
      - export needs an earlier finalize.

    evaluate may run anywhere: before prepare it measures the float model (a baseline).
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    guard let stages = context.root["stages"]?.sequence else { return [] }
    var findings: [Diagnostic] = []
    var prepared: Node?
    var finalized: Node?
    for stage in stages {
      guard let pairs = stage.mapping, pairs.count == 1, let name = pairs[0].key.keyString else { continue }
      let key = pairs[0].key
      switch name {
      case "prepare":
        if let first = prepared {
          findings.append(duplicate(key, "prepare", first))
        } else if let finalized {
          findings.append(after(key, "prepare", finalized))
        }
        prepared = prepared ?? key
      case "calibrate", "train":
        if let finalized {
          findings.append(after(key, name, finalized))
        } else if prepared == nil {
          findings.append(.error(id, "'\(name)' needs an earlier 'prepare' stage", at: key.span, help: "add '- prepare: {}' before it"))
        }
      case "finalize":
        if let first = finalized {
          findings.append(duplicate(key, "finalize", first))
        } else if prepared == nil {
          findings.append(.error(id, "'finalize' needs an earlier 'prepare' stage", at: key.span, help: "add '- prepare: {}' before it"))
        }
        finalized = finalized ?? key
      case "export":
        if finalized == nil {
          findings.append(.error(id, "'export' needs an earlier 'finalize' stage", at: key.span, help: "add '- finalize: {backend: onnx}' before it"))
        }
      default:
        break
      }
    }
    return findings
  }

  private func duplicate(_ key: Node, _ name: String, _ first: Node) -> Diagnostic {
    Diagnostic(
      id: id, severity: .error, message: "'\(name)' may run only once", span: key.span,
      notes: [.init("first '\(name)' is here", span: first.span)])
  }

  private func after(_ key: Node, _ name: String, _ finalize: Node) -> Diagnostic {
    Diagnostic(
      id: id, severity: .error, message: "'\(name)' cannot run after 'finalize'", span: key.span,
      notes: [.init("the model is finalized here", span: finalize.span)])
  }
}
