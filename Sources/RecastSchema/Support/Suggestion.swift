internal import RecastDiagnostics

/// Did-you-mean hints with a tie-break that suits identifiers with numbers in them.
enum Suggestion {
  /// The best candidate for `word` (see `suggestions(for:among:)`), preferring, among equally distant
  /// candidates of the same length, the one whose differing characters are closest (`int7` → `int8`, not `int2`).
  static func best(for word: String, among candidates: [String]) -> String? {
    let all = suggestions(for: word, among: candidates, limit: candidates.count)
    guard let first = all.first else { return candidates.first { isTransposition(word, $0) } }
    let distance = editDistance(word.lowercased(), first.lowercased())
    let tied = all.filter { editDistance(word.lowercased(), $0.lowercased()) == distance }
    return tied.min { closeness(word, $0) < closeness(word, $1) } ?? first
  }

  /// "did you mean 'x'?" for ``best(for:among:)``.
  static func didYouMean(_ word: String, among candidates: [String]) -> String? {
    best(for: word, among: candidates).map { "did you mean '\($0)'?" }
  }

  /// True when `b` is `a` with two adjacent characters swapped (`nmae` → `name`), a typo plain edit distance
  /// counts as two edits.
  static func isTransposition(_ a: String, _ b: String) -> Bool {
    let x = Array(a.unicodeScalars)
    let y = Array(b.unicodeScalars)
    guard x.count == y.count, x.count >= 2 else { return false }
    let differing = x.indices.filter { x[$0] != y[$0] }
    guard differing.count == 2, differing[1] == differing[0] + 1 else { return false }
    return x[differing[0]] == y[differing[1]] && x[differing[1]] == y[differing[0]]
  }

  /// Sum of the scalar distances at differing positions (same length), else a large constant.
  private static func closeness(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars)
    let y = Array(b.unicodeScalars)
    guard x.count == y.count else { return Int.max / 2 }
    return zip(x, y).reduce(0) { $0 + abs(Int($1.0.value) - Int($1.1.value)) }
  }
}
