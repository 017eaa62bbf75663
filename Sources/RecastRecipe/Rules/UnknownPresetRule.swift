import RecastDiagnostics
import RecastYAML

/// Every `extends` entry names a preset that exists.
struct UnknownPresetRule: LintRule {
  let id = "lint.unknown-preset"
  let summary = "extends names a preset that does not exist"
  let explanation = """
    `extends` entries are built-in preset names (see `recast presets list`), paths to preset files
    (relative to the recipe), or names of files in a preset directory (`--preset-path`,
    RECAST_PRESET_PATH, and the recipe's own folder). An entry that is none of these is an error,
    with the closest known name as a suggestion.
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    var findings: [Diagnostic] = []
    for entry in PresetLibrary.extendsEntries(of: context.root) {
      guard let name = entry.string else { continue }
      if context.presets.locate(name, from: context.file) == nil {
        let known = context.presets.names(from: context.file)
        findings.append(
          .error(
            id, "unknown preset '\(name)'", at: entry.span,
            help: didYouMean(name, among: known) ?? "known presets: \(known.joined(separator: ", "))"))
      }
    }
    return findings
  }
}
