/// Edit distance between two strings (Unicode scalars): insertions, deletions, substitutions and
/// transpositions of neighbours each count 1 (optimal string alignment), so `dtpye` is one edit from
/// `dtype`. Used for did-you-mean hints.
public func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var beforePrevious = [Int](repeating: 0, count: y.count + 1)
  var previous = Array(0...y.count)
  var current = [Int](repeating: 0, count: y.count + 1)
  for i in 1...x.count {
    current[0] = i
    for j in 1...y.count {
      let cost = x[i - 1] == y[j - 1] ? 0 : 1
      current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
        current[j] = Swift.min(current[j], beforePrevious[j - 2] + 1)
      }
    }
    (beforePrevious, previous, current) = (previous, current, beforePrevious)
  }
  return previous[y.count]
}

/// The candidates closest to `word`, best first: within a distance that grows with the word's length,
/// or sharing a case-insensitive match. Empty when nothing is close enough to be a plausible typo.
public func suggestions(for word: String, among candidates: some Sequence<String>, limit: Int = 1) -> [String] {
  let lowered = word.lowercased()
  let threshold = Swift.max(1, Swift.min(3, word.count / 3))
  var scored: [(String, Int)] = []
  for candidate in candidates where candidate != word {
    let d = candidate.lowercased() == lowered ? 0 : editDistance(lowered, candidate.lowercased())
    if d <= threshold { scored.append((candidate, d)) }
  }
  scored.sort { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
  return scored.prefix(limit).map(\.0)
}

/// "did you mean 'x'?" for the best suggestion, or nil.
public func didYouMean(_ word: String, among candidates: some Sequence<String>) -> String? {
  suggestions(for: word, among: candidates).first.map { "did you mean '\($0)'?" }
}
