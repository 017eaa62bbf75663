import Foundation
import RecastRecipe
import TestSupport
import Testing

/// README.md's recipe reference is the schema's descriptions, rendered: editing one without the other fails
/// here. `RECORD_GOLDEN=1` rewrites the README section (and fails, so the change is looked at).
@Suite struct ReadmeReferenceTests {
  @Test func recipeReferenceMatchesTheSchema() throws {
    let url = Paths.repository("README.md")
    let readme = try String(contentsOf: url, encoding: .utf8)
    let begin = "<!-- recipe-reference:begin -->\n", end = "<!-- recipe-reference:end -->"
    guard let start = readme.range(of: begin), let stop = readme.range(of: end, range: start.upperBound..<readme.endIndex)
    else {
      Issue.record("README.md has no recipe-reference markers")
      return
    }
    let expected = "\n" + RecipeReference.markdown()
    let actual = String(readme[start.upperBound..<stop.lowerBound])
    #expect(expected.contains("#### Document") && expected.contains("| `stages` |"), "the reference renders the schema")
    // Every type a table links to has its own section.
    let sections = Set(
      expected.split(separator: "\n").filter { $0.hasPrefix("#### ") }.map { $0.dropFirst(5).lowercased() })
    var links: Set<String> = []
    var rest = expected[...]
    while let open = rest.range(of: "](#") {
      guard let close = rest[open.upperBound...].firstIndex(of: ")") else { break }
      links.insert(String(rest[open.upperBound..<close]))
      rest = rest[close...]
    }
    #expect(!links.isEmpty)
    #expect(links.subtracting(sections).isEmpty, "links without a section: \(links.subtracting(sections).sorted())")
    if actual != expected {
      if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
        try (readme[..<start.upperBound] + expected + readme[stop.lowerBound...]).write(
          to: url, atomically: true, encoding: .utf8)
        Issue.record("README.md recipe reference re-recorded")
      } else {
        Issue.record("README.md's recipe reference differs from the schema; run the tests with RECORD_GOLDEN=1")
      }
    }
  }
}
