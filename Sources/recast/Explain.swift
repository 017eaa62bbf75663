public import ArgumentParser
import Foundation
import RecastDiagnostics
import RecastGraph
import RecastQuantization
import RecastRecipe
import RecastYAML

extension QuantizerConfig.ExecutionMode: ExpressibleByArgument {}

/// `recast explain RECIPE --model MODEL`: which spec lands on which tensor, and which rule put it there.
struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the spec every quantizable op's inputs, outputs and weights get, and the rule that supplied it.",
    discussion: """
      The recipe is linted first (with the model); errors stop the command. Each tensor line names the
      rule that decided it (scope › op rule › field[key]) and where that rule is written (file:line),
      including rules inherited from presets. 'float' means the tensor stays unquantized.
      """
  )

  @Argument(help: "The recipe or preset.")
  var recipe: String

  @Option(help: "The ONNX model to resolve the config against.")
  var model: String

  @Option(help: "Output format: text or json.")
  var format: Inspect.InspectFormat = .text

  @Option(name: .customLong("preset-path"), help: "A directory of presets for 'extends' (repeatable).")
  var presetPath: [String] = []

  @Option(help: "Placement mode to show: graph or eager (default: the recipe's execution_mode).")
  var mode: QuantizerConfig.ExecutionMode?

  func run() throws {
    let onnx: Model
    do {
      onnx = try Model(contentsOf: URL(fileURLWithPath: model))
    } catch {
      FileHandle.standardError.write(Data("recast: \(error)\n".utf8))
      throw ExitCode(1)
    }
    let linter = Linter(presets: PresetLibrary(directories: presetPath))
    let lint = linter.lint(path: recipe, model: onnx)
    if lint.diagnostics.hasErrors {
      let renderer = DiagnosticRenderer(sources: lint.text.map { [recipe: $0] } ?? [:])
      FileHandle.standardError.write(Data(renderer.render(lint.diagnostics, format: .text).utf8))
      throw ExitCode(1)
    }
    guard let root = lint.root,
      let resolved = PresetResolver(library: linter.presets).resolve(root, file: recipe).node
    else { throw ExitCode(1) }
    let config = RecipeConfig(resolved)
    // `--mode` overrides the recipe's execution mode for resolution too: op names differ between the modes.
    var quantizerConfig = try config.quantizerConfig()
    if let mode { quantizerConfig.executionMode = mode }
    let resolution = ConfigResolver(config: quantizerConfig, model: onnx).resolve()
    let plan = try Placement.plan(resolution: resolution, model: onnx, mode: quantizerConfig.executionMode)
    let output =
      format == .json ? json(resolution, config, plan) : self.text(resolution, config) + placementText(plan)
    FileHandle.standardOutput.write(Data(output.utf8))
  }

  private func location(_ source: SpecSource, _ config: RecipeConfig) -> String? { config.location(of: source) }

  private func text(_ resolution: ConfigResolution, _ config: RecipeConfig) -> String {
    var lines: [String] = []
    let quantized = resolution.ops.filter(\.isQuantized).count
    lines.append("\(resolution.ops.count) quantizable ops, \(quantized) quantized")
    for resolved in resolution.ops {
      let op = resolved.op
      let module = op.module.path.isEmpty ? "<root>" : op.module.path
      let type = op.module.type.map { " (\($0))" } ?? ""
      lines.append("")
      lines.append("\(op.label)  module \(module)\(type)  scope \(resolved.scope)")
      for tensor in resolved.tensors {
        let spec = ConfigResolution.describe(tensor.spec)
        let at = location(tensor.source, config).map { "  \($0)" } ?? ""
        lines.append(
          "  \(pad(tensor.label, 7)) \(pad(tensor.tensor.value, 28)) \(pad(spec, 40)) \(tensor.source)\(at)")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The quantizers placement puts in the model: one line each, with what they share and why they exist.
  private func placementText(_ plan: QuantizationPlan) -> String {
    var lines = [
      "",
      "placement (\(plan.mode.rawValue) mode): \(plan.weights.count) weight and \(plan.activations.count) activation quantizers",
    ]
    for block in plan.blocks { lines.append("  fused \(block.pattern): \(block.nodes.joined(separator: " + "))") }
    for weight in plan.weights {
      let name = plan.mode == .eager ? weight.eagerName : weight.displayName
      let folded = weight.foldedBatchNorm.map { "  (BatchNorm \($0) folded in)" } ?? ""
      lines.append("  weight  \(pad(name, 30)) \(pad(ConfigResolution.describe(weight.spec), 40))\(folded)")
    }
    for activation in plan.activations {
      let name = plan.mode == .eager ? (activation.eagerName ?? activation.displayName) : activation.displayName
      let shared = activation.sharesQParamsWith.map { "  shares #\($0)" } ?? ""
      lines.append(
        "  act #\(pad(String(activation.id), 3)) \(pad(name, 30)) \(pad(ConfigResolution.describe(activation.spec), 40)) "
          + "\(activation.reason)\(shared)")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private func json(_ resolution: ConfigResolution, _ config: RecipeConfig, _ plan: QuantizationPlan) -> String {
    func spec(_ spec: QuantizationSpec?) -> JSONWriter.Value { ConfigResolution.specJSON(spec) }
    let ops: [JSONWriter.Value] = resolution.ops.map { resolved in
      .object([
        ("name", .string(resolved.op.atenName)), ("node", .string(resolved.op.name)),
        ("op_type", .string(resolved.op.opType)), ("module", .string(resolved.op.module.path)),
        ("module_type", resolved.op.module.type.map { .string($0) } ?? .null),
        ("scope", .string(resolved.scope.description)),
        (
          "tensors",
          .array(
            resolved.tensors.map { tensor in
              .object([
                ("role", .string(tensor.group.rawValue)), ("label", .string(tensor.label)),
                ("value", .string(tensor.tensor.value)), ("spec", spec(tensor.spec)),
                ("source", .string(tensor.source.description)),
                ("location", location(tensor.source, config).map { .string($0) } ?? .null),
              ])
            })
        ),
      ])
    }
    let weights: [JSONWriter.Value] = plan.weights.map { weight in
      .object([
        ("kind", .string("weight")), ("tensor", .string(weight.displayName)), ("eager_name", .string(weight.eagerName)),
        ("node", .string(weight.node)), ("spec", spec(weight.spec)),
        ("bn_folded_into_weight", .bool(weight.foldedBatchNorm != nil)),
      ])
    }
    let activations: [JSONWriter.Value] = plan.activations.map { activation in
      .object([
        ("kind", .string("activation")), ("id", .int(activation.id)), ("tensor", .string(activation.displayName)),
        ("eager_name", activation.eagerName.map { .string($0) } ?? .null), ("value", .string(activation.value)),
        ("spec", spec(activation.spec)), ("shares_qparams_with", activation.sharesQParamsWith.map { .int($0) } ?? .null),
        ("reason", .string(activation.reason)),
      ])
    }
    let document: JSONWriter.Value = .object([
      ("recipe", .string(recipe)), ("model", .string(model)),
      ("module_config_source", .object(resolution.moduleSources.map { ($0.module.path, .string($0.scope.description)) })),
      ("ops", .array(ops)),
      (
        "placement",
        .object([
          ("mode", .string(plan.mode.rawValue)),
          ("fused", .array(plan.blocks.map { .object([("pattern", .string($0.pattern)), ("nodes", .array($0.nodes.map { .string($0) }))]) })),
          ("quantizers", .array(weights + activations)),
        ])
      ),
    ])
    return JSONWriter.render(document, pretty: true) + "\n"
  }

  private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }
}
