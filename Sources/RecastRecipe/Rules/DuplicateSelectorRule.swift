import RecastDiagnostics
import RecastYAML

/// Two keys of one map that mean the same thing once YAML is resolved (`0` and `"0"`).
struct DuplicateSelectorRule: LintRule {
  let id = "lint.duplicate-selector"
  let summary = "two entries of one map select the same thing"
  let explanation = """
    YAML keeps `0:` (an integer) and `"0":` (a string) apart, but Recast reads both as input
    index 0, so one entry would silently override the other:

        op_input_spec:
          0: {dtype: int8}
          "0": null              # error: the same input as the line above

    Keep one entry per selector.
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    var maps = context.walker.selectorMaps.map(\.node)
    for scope in context.walker.scopes {
      for field in ConfigWalker.activationFields + ConfigWalker.stateFields {
        if let m = scope.node[field], m.mapping != nil { maps.append(m) }
      }
    }
    if let specs = context.root["quantization_spec"] { maps.append(specs) }
    var findings: [Diagnostic] = []
    var reported = Set<SourceSpan>()
    for map in maps {
      var first: [String: Node] = [:]
      for pair in map.mapping ?? [] {
        guard let key = pair.key.keyString else { continue }
        if let earlier = first[key] {
          guard reported.insert(pair.key.span).inserted else { continue }
          findings.append(
            Diagnostic(
              id: id, severity: .error,
              message: "key \(written(pair.key)) selects the same as \(written(earlier)); the later entry would override the earlier",
              span: pair.key.span, notes: [.init("first entry is here", span: earlier.span)],
              help: "merge the two entries into one"))
        } else {
          first[key] = pair.key
        }
      }
    }
    return findings
  }

  /// A key as written: quoted keys with their quotes, so `"0"` and `0` read differently.
  private func written(_ key: Node) -> String {
    let text = key.scalar?.text ?? key.keyString ?? "?"
    switch key.style {
    case .doubleQuoted: return "\"\(text)\""
    case .singleQuoted: return "'\(text)'"
    default: return text
    }
  }
}
