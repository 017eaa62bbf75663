public import RecastDiagnostics
public import RecastGraph
import RecastQuantization
public import RecastYAML

extension Linter {
  /// Lints a file, then checks its quantization config against a model: selectors that match nothing
  /// (an error, or a warning when listed under `allow_unmatched`), rules shadowed by others, block sizes
  /// that do not divide an axis, axes out of range, and a config that quantizes nothing.
  public func lint(path: String, model: Model) -> LintResult {
    var result = lint(path: path)
    guard !result.diagnostics.hasErrors, let root = result.root else { return result }
    result.diagnostics += modelFindings(root, file: path, model: model)
    result.diagnostics = result.diagnostics.sortedByLocation()
    return result
  }

  /// The model-aware findings for a parsed document that lints clean.
  public func modelFindings(_ root: RecastYAML.Node, file: String, model: Model) -> [Diagnostic] {
    let resolution = PresetResolver(library: presets).resolve(root, file: file)
    guard let resolved = resolution.node else { return resolution.diagnostics }
    let recipe = RecipeConfig(resolved)
    let config: QuantizerConfig
    do throws(DiagnosticError) {
      config = try recipe.quantizerConfig()
    } catch {
      return error.diagnostics
    }
    let allowed = recipe.allowUnmatched
    let fallback = root["quantization_config"]?.span ?? root.span
    return ConfigResolver(config: config, model: model).resolve().findings.map { finding in
      var diagnostic = finding.diagnostic
      diagnostic.span = recipe.span(at: finding.path) ?? fallback
      if finding.id == ConfigFinding.ID.unmatchedSelector, let selector = finding.path.last, allowed.contains(selector) {
        diagnostic.severity = .warning
        diagnostic.notes.append(.init("listed under allow_unmatched, so this is a warning"))
      }
      return diagnostic
    }
  }
}
