import Foundation
import RecastDiagnostics
import RecastRecipe
import Testing
import TestSupport

/// Every YAML example in coreai-opt's config documentation loads as a Recast preset without findings.
/// The documents are read from ../shared (they are not copied into the repository); outside CI the
/// test is skipped with a message when that folder is absent.
@Suite struct CoreAIOptDocsTests {
  static let pages = ["quantization_config.md", "quantization_advanced.md"]

  /// The YAML examples of a markdown file, with the line each starts on: ```yaml blocks, and YAML
  /// embedded in Python examples as a string headed `# equivalent yaml config`.
  static func yamlBlocks(_ markdown: String) -> [(line: Int, text: String)] {
    var blocks: [(Int, String)] = []
    var current: [Substring]?
    var start = 0
    for (index, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if current == nil, trimmed.hasPrefix("```yaml") || trimmed.hasPrefix("```{code-block} yaml")
        || trimmed.lowercased() == "# equivalent yaml config"
      {
        current = []
        start = index + 2
      } else if current != nil, trimmed.hasPrefix("```") || trimmed == "\"\"\"" {
        blocks.append((start, current!.joined(separator: "\n") + "\n"))
        current = nil
      } else if current != nil {
        current!.append(line)
      }
    }
    return blocks
  }

  @Test(arguments: pages)
  func docsExamplesLintClean(_ page: String) throws {
    guard let shared = Paths.shared else {
      if Paths.isCI { Issue.record("../shared is missing in CI") }
      print("skipped: ../shared/reference/coreai-opt/\(page) is not present")
      return
    }
    let markdown = try String(contentsOf: shared.appendingPathComponent("reference/coreai-opt/\(page)"), encoding: .utf8)
    let blocks = Self.yamlBlocks(markdown)
    #expect(!blocks.isEmpty, "no yaml blocks found in \(page)")
    for block in blocks {
      let name = "\(page):\(block.line)"
      let result = Linter().lint(bytes: Array(block.text.utf8), file: name)
      let rendered = DiagnosticRenderer(sources: [name: block.text]).render(result.diagnostics, format: .text)
      #expect(!result.diagnostics.hasErrors, "\(rendered)")
    }
    print("\(page): \(blocks.count) yaml examples checked")
  }
}
