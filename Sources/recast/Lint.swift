import ArgumentParser
import Foundation
import RecastGraph
import RecastRecipe

/// `recast lint FILE...`: YAML, schema and semantic findings for recipes and presets.
struct Lint: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check recipes and presets: YAML syntax, the recipe schema, and semantic rules.",
    discussion: """
      Every finding of every file is reported in one run. A file with `recast:` (or model, data,
      stages, expect) is a recipe; any other file is a preset, such as a coreai-opt config.
      `--explain ID` prints what a diagnostic id means; `--explain list` lists the ids.
      """
  )

  @Argument(help: "Recipe or preset files to check.")
  var files: [String] = []

  @OptionGroup var output: OutputOptions

  @Option(name: .customLong("preset-path"), help: "A directory of presets for 'extends' (repeatable; searched before RECAST_PRESET_PATH).")
  var presetPath: [String] = []

  @Option(help: "An ONNX model: also check selectors, block sizes and axes against it.")
  var model: String?

  @Option(help: "Print the documentation of a diagnostic id (or 'list') and exit.")
  var explain: String?

  func validate() throws {
    if explain == nil && files.isEmpty { throw ValidationError("give at least one file to lint, or --explain ID") }
  }

  func run() throws {
    if let explain {
      if explain == "list" {
        print(RecastRecipe.Linter.explainableIDs.joined(separator: "\n"))
        return
      }
      guard let text = RecastRecipe.Linter.explanation(for: explain) else {
        throw ValidationError("no diagnostic has the id '\(explain)'; `recast lint --explain list` lists them")
      }
      print(text, terminator: "")
      return
    }
    let linter = RecastRecipe.Linter(presets: PresetLibrary(directories: presetPath))
    var onnx: Model?
    if let model {
      do {
        onnx = try Model(contentsOf: URL(fileURLWithPath: model))
      } catch {
        FileHandle.standardError.write(Data("recast: \(error)\n".utf8))
        throw ExitCode(1)
      }
    }
    let results = files.map { file in
      let r = onnx.map { linter.lint(path: file, model: $0) } ?? linter.lint(path: file)
      return (file: r.file, text: r.text, diagnostics: r.diagnostics)
    }
    let code = report(results, options: output)
    if code != 0 { throw ExitCode(code) }
  }
}
