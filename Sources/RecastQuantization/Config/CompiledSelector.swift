/// A config selector compiled once: a regular expression that must match a whole name (Python's `re.fullmatch`).
struct CompiledSelector: @unchecked Sendable {
  // @unchecked: `Regex<AnyRegexOutput>` is not Sendable, but matching never mutates it.
  let source: String
  private let regex: Regex<AnyRegexOutput>?
  /// Why the selector does not compile, if it does not.
  let error: String?

  init(_ source: String) {
    self.source = source
    do {
      regex = try Regex(source)
      error = nil
    } catch {
      regex = nil
      self.error = String(describing: error)
    }
  }

  /// True when the selector matches all of `name` (never for an invalid selector).
  func matches(_ name: String) -> Bool {
    guard let regex else { return false }
    return (try? regex.wholeMatch(in: name)) != nil
  }

  /// True when the selector matches any of `names`.
  func matchesAny(_ names: [String]) -> Bool { names.contains(where: matches) }
}
