import RecastDiagnostics
import RecastYAML

/// Selector keys are full-match regular expressions; each must compile.
struct SelectorRegexRule: LintRule {
  let id = "lint.selector-regex"
  let summary = "a selector that is not a valid regular expression"
  let explanation = """
    Keys of module_name_configs, module_type_configs, op_name_config and op_type_config are
    regular expressions that must match a whole name (as Python's re.fullmatch does), so
    `features\\.\\d+` selects features.0, features.1, ... The pattern must compile:

        module_name_configs:
          "features.[0-": null      # error: unterminated character class

    Escape a literal dot as `\\.` when it matters; `.` alone matches any character.
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    var findings: [Diagnostic] = []
    for map in context.walker.selectorMaps {
      for pair in map.node.mapping ?? [] {
        guard let pattern = pair.key.keyString else { continue }
        if let problem = SelectorPattern.compileError(pattern) {
          findings.append(
            .error(
              id, "selector '\(pattern)' is not a valid regular expression: \(problem.message)",
              at: span(of: pair.key, offset: problem.offset)))
        }
      }
    }
    return findings
  }

  /// The span of the character at `offset` (in UTF-8 bytes) inside a key scalar, when the key is
  /// written on one line without escapes; otherwise the key's own span.
  private func span(of key: Node, offset: Int?) -> SourceSpan {
    guard let offset, let text = key.scalar?.text, key.span.start.line == key.span.end.line else { return key.span }
    let prefix = String(decoding: text.utf8.prefix(offset), as: UTF8.self)
    let quote = (key.style == .singleQuoted || key.style == .doubleQuoted) ? 1 : 0
    let written = key.span.end.column - key.span.start.column - 2 * quote
    guard written == text.count else { return key.span }  // escapes or folding: positions differ
    var start = key.span.start
    start.column += quote + prefix.count
    start.offset += quote + offset
    var end = start
    end.column += 1
    end.offset += 1
    return SourceSpan(file: key.span.file, start: start, end: end)
  }
}
