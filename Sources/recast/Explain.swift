import ArgumentParser
import Foundation
import RecastDiagnostics
import RecastGraph
import RecastQuantization
import RecastRecipe
import RecastYAML

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
    guard let text = lint.text, let root = try? YAMLReader.parse(text, file: recipe),
      let resolved = PresetResolver(library: linter.presets).resolve(root, file: recipe).node
    else { throw ExitCode(1) }
    let config = RecipeConfig(resolved)
    let resolution = ConfigResolver(config: try config.quantizerConfig(), model: onnx).resolve()
    let output = format == .json ? json(resolution, config) : self.text(resolution, config)
    FileHandle.standardOutput.write(Data(output.utf8))
  }

  /// `file:line` of the rule behind a source, or nil for library defaults.
  private func location(_ source: SpecSource, _ config: RecipeConfig) -> String? {
    if source.isLibraryDefault { return nil }
    if case .global(true) = source.scope { return nil }
    return config.span(at: source.path).map { "\($0.file):\($0.start.line)" }
  }

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

  private func json(_ resolution: ConfigResolution, _ config: RecipeConfig) -> String {
    func spec(_ spec: QuantizationSpec?) -> JSONWriter.Value {
      guard let spec else { return .null }
      return .object([
        ("dtype", .string(spec.dtype.rawValue)), ("qscheme", .string(spec.qscheme.rawValue)),
        ("granularity", .string(ConfigResolution.describe(spec.granularity))),
        ("qparam_calculator", .string(spec.qparamCalculator)),
      ])
    }
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
    let document: JSONWriter.Value = .object([
      ("recipe", .string(recipe)), ("model", .string(model)),
      ("module_config_source", .object(resolution.moduleSources.map { ($0.module.path, .string($0.scope.description)) })),
      ("ops", .array(ops)),
    ])
    return JSONWriter.render(document, pretty: true) + "\n"
  }

  private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }
}
