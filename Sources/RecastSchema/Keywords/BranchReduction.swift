internal import RecastDiagnostics
internal import RecastYAML

/// Reducing a failed `anyOf`/`oneOf` to the errors of the alternative the user most likely meant.
extension Evaluator {
  /// The errors of one failed alternative, and how relevant they look.
  struct BranchOutcome {
    var index: Int
    var errors: [ValidationError]
    /// The value's own type is wrong for this alternative.
    var typeMismatch = false
    /// A discriminating child (`const`/`enum` one level down) does not match.
    var discriminatorMismatch = false
    /// The deepest instance path among the errors (in components).
    var depth = 0

    /// Larger is more relevant: right type, matching discriminators, errors deep down, few of them.
    func isMoreRelevant(than other: BranchOutcome) -> Bool {
      if typeMismatch != other.typeMismatch { return !typeMismatch }
      if discriminatorMismatch != other.discriminatorMismatch { return !discriminatorMismatch }
      if depth != other.depth { return depth > other.depth }
      return errors.count < other.errors.count
    }
  }

  /// Reports why no alternative matched: a merged `type`/`enum` message when every alternative fails the
  /// same way at the same place, otherwise the errors of the most relevant alternative.
  mutating func reportNoBranch(_ keyword: String, _ branches: [SchemaID], _ id: SchemaID, _ node: Node) {
    let here = path.jsonPointer
    let hereDepth = path.count
    var outcomes: [BranchOutcome] = []
    for (i, branch) in branches.enumerated() {
      let errors = capturing { $0.evaluate(branch, node) }.errors
      var outcome = BranchOutcome(index: i, errors: errors)
      for error in errors {
        let depth = error.instancePath.split(separator: "/", omittingEmptySubsequences: false).count - 1
        outcome.depth = Swift.max(outcome.depth, depth)
        if error.keyword == "type" && error.instancePath == here { outcome.typeMismatch = true }
        if error.keyword == "false" && error.instancePath == here { outcome.typeMismatch = true }
        if (error.keyword == "const" || error.keyword == "enum") && depth <= hereDepth + 1 {
          outcome.discriminatorMismatch = true
        }
      }
      outcomes.append(outcome)
    }
    guard !outcomes.isEmpty else { return }

    // Every alternative rejects the value's type: one message listing the accepted types.
    if outcomes.allSatisfy(\.typeMismatch) {
      var types: [String] = []
      for outcome in outcomes {
        for error in outcome.errors where error.instancePath == here {
          for type in error.expectedTypes ?? [] where !types.contains(type) { types.append(type) }
        }
      }
      if !types.isEmpty {
        report(
          "type", id, node, "expected \(Self.joinedTypes(types)), found \(node.typeName)", expectedTypes: types)
        return
      }
    }

    // Every alternative rejects the same discriminating value: one message listing all accepted values.
    if outcomes.allSatisfy(\.discriminatorMismatch) {
      let firstPaths = outcomes.compactMap { outcome in
        outcome.errors.first { ($0.keyword == "const" || $0.keyword == "enum") && $0.allowed != nil }?.instancePath
      }
      if firstPaths.count == outcomes.count, let target = firstPaths.first, firstPaths.allSatisfy({ $0 == target }) {
        var allowed: [String] = []
        var span = node.span
        for outcome in outcomes {
          for error in outcome.errors where error.instancePath == target && error.allowed != nil {
            span = error.span
            for value in error.allowed ?? [] where !allowed.contains(value) { allowed.append(value) }
          }
        }
        let found = Self.child(of: node, at: String(target.dropFirst(here.count)))
        let name = target.split(separator: "/").last.map { "'\($0)'" } ?? path.subject
        let foundText = found.map(Rendering.found) ?? "something else"
        report(
          "enum", id, node, "\(name) must be one of \(Rendering.list(allowed)); found \(foundText)",
          help: found?.string.flatMap { Suggestion.didYouMean($0, among: allowed) }, span: span, allowed: allowed)
        errors[errors.count - 1].instancePath = target
        return
      }
    }

    var best = outcomes[0]
    for outcome in outcomes.dropFirst() where outcome.isMoreRelevant(than: best) { best = outcome }
    if best.errors.isEmpty {
      report(keyword, id, node, "\(path.subject) matches none of the alternatives of '\(keyword)'")
    } else {
      errors.append(contentsOf: best.errors)
    }
  }

  /// The value at a relative JSON pointer under `node` (one or more components).
  static func child(of node: Node, at pointer: String) -> Node? {
    guard let tokens = JSONPointer.tokens(pointer) else { return nil }
    var current = node
    for token in tokens {
      if let next = current[token] {
        current = next
      } else if let items = current.sequence, let i = Int(token), items.indices.contains(i) {
        current = items[i]
      } else {
        return nil
      }
    }
    return current
  }
}
