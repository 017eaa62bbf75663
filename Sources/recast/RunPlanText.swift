import Foundation
import RecastGraph
import RecastQuantization
import RecastRecipe

/// `recast run --dry-run`: what the run would do, from the checked recipe alone.
enum RunPlanText {
  static func render(_ setup: RunSetup) -> String {
    var lines: [String] = []
    lines.append("recipe     \(setup.file)")
    for override in setup.configuration.overrides { lines.append("  --set    \(override)") }
    for preset in setup.presets { lines.append("preset     \(preset.reference) (\(preset.source))") }
    let graph = setup.model.graph
    lines.append(
      "model      \(relative(setup.modelURL)): \(graph.nodes.count) nodes, inputs "
        + graph.runtimeInputs.map { "\($0.name)\(shape($0))" }.joined(separator: ", "))
    for name in setup.datasets.keys.sorted() {
      let data = setup.datasets[name]!
      let inputs = data.inputs.keys.sorted().map { "\($0) \(data.inputs[$0]!.shape)" }.joined(separator: ", ")
      let labels = data.labels.isEmpty ? "no labels" : "labels " + data.labels.keys.sorted().joined(separator: ", ")
      lines.append(
        "data       \(name): \(data.count) samples (\(inputs); \(labels)), batch \(data.batchSize)"
          + (data.shuffle ? ", shuffled with seed \(data.seed)" : ""))
    }
    let quantized = setup.resolution.ops.filter(\.isQuantized).count
    lines.append(
      "config     \(setup.config.executionMode.rawValue) mode: \(quantized) of \(setup.resolution.ops.count) quantizable ops quantized")
    if let plan = try? Placement.plan(config: setup.config, model: setup.model) {
      lines.append(
        "placement  \(plan.weights.count) weight and \(plan.activations.count) activation quantizers, \(plan.blocks.count) fused blocks")
    }
    lines.append("stages")
    for step in setup.steps {
      lines.append("  \(step.index + 1). \(step.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(describe(step, setup))")
    }
    if let outputs = setup.outputs {
      lines.append("writes     \(relative(outputs.model))")
      if let lock = outputs.lock { lines.append("           \(relative(lock))") }
      if let prefix = outputs.reportPrefix { lines.append("           \(relative(prefix)).{md,json,svg}") }
    }
    for pair in setup.resolved["expect"]?.mapping ?? [] {
      lines.append("expect     \(pair.key.keyString ?? "") \(pair.value.string ?? pair.value.scalar?.text ?? "")")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private static func shape(_ info: ValueInfo) -> String {
    guard let dims = info.shape else { return "" }
    return "[" + dims.map { "\($0)" }.joined(separator: ", ") + "]"
  }

  private static func describe(_ step: RunStep, _ setup: RunSetup) -> String {
    let name = step.dataset(among: setup.datasets.keys)
    let data = name.flatMap { setup.datasets[$0] }
    let count = min(step.int("samples") ?? Int.max, data?.count ?? 0)
    switch step.kind {
    case .prepare:
      return name.map { "seed activation ranges from \(step.int("samples") ?? 1) sample(s) of '\($0)'" }
        ?? "no example inputs (weight-only)"
    case .calibrate:
      let batch = step.int("batch_size") ?? data?.batchSize ?? 32
      return "\(count) samples of '\(name ?? "")' in batches of \(batch), reseed \(step.bool("reseed") ?? true)"
    case .evaluate:
      let metrics = RunMetrics.names(for: step, datasets: setup.datasets)
      return "\(metrics.joined(separator: ", ")) on \(count) samples of '\(name ?? "")'"
    case .train:
      return setup.trainPlan(step)
    case .finalize:
      return "\(step.string("backend") ?? "onnx") QDQ, opset \(step.int("opset").map(String.init) ?? "as the dtypes need")"
        + ((step.bool("cast_to_16_bit") ?? false) ? ", float16 where values fit" : "")
    case .export:
      return step.string("path") ?? ""
    }
  }
}
