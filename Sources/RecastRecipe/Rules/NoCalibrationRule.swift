import RecastDiagnostics
import RecastYAML

/// Activation quantization needs ranges: from a calibrate stage or from training.
struct NoCalibrationRule: LintRule {
  let id = "lint.no-calibration"
  let summary = "activations are quantized but nothing measures their ranges"
  let explanation = """
    Activation scales come from observers that watch real data: a `calibrate` stage (PTQ) or a
    `train` stage (QAT). With neither, they stay at what the single example input of `prepare`
    showed, which usually clips. Add a calibrate stage, or keep activations in float
    (`op_input_spec: null`, `op_output_spec: null`) for weight-only quantization.

    Note that a config scope that does not mention op_input_spec / op_output_spec gets the
    default int8 activation spec, as in coreai-opt.
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    guard context.kind == .recipe, let stages = context.root["stages"]?.sequence, !stages.isEmpty else { return [] }
    let names = stages.compactMap { $0.mapping?.first?.key.keyString }
    guard !names.contains("calibrate"), !names.contains("train"), names.contains("prepare") else { return [] }
    guard let where_ = quantizesActivations(in: context.resolved ?? context.root) else { return [] }
    return [
      .warning(
        id, "activations are quantized (\(where_.reason)) but no calibrate or train stage measures their ranges",
        at: where_.span, help: "add '- calibrate: {}' after prepare, or set op_input_spec and op_output_spec to null")
    ]
  }

  /// Where activation quantization is switched on, or nil when it is off everywhere.
  private func quantizesActivations(in root: Node) -> (reason: String, span: SourceSpan)? {
    guard let config = root["quantization_config"], config.mapping != nil else {
      return ("no quantization_config: the default W8A8 applies", root["stages"]?.span ?? root.span)
    }
    if config["global_config"] == nil {
      return ("global_config is not given, so the default W8A8 applies", config.span)
    }
    for scope in ConfigWalker(root).scopes {
      for field in ["op_input_spec", "op_output_spec"] {
        guard let group = scope.node[field] else {
          return ("\(scope.path) does not set \(field), so the default int8 spec applies", scope.node.span)
        }
        if group.mapping?.contains(where: { !$0.value.isNull }) == true || group["dtype"] != nil {
          return ("\(scope.path)/\(field)", group.span)
        }
      }
    }
    return nil
  }
}
