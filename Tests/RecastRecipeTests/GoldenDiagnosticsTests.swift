import Foundation
import RecastDiagnostics
import RecastRecipe
import Testing
import TestSupport

/// Each bad recipe in Inputs/ renders exactly its golden diagnostics (Golden/<case>.txt).
@Suite struct GoldenDiagnosticsTests {
  static let folder = "Tests/RecastRecipeTests"
  static let cases = repositoryFiles(in: "\(folder)/Inputs", extensions: [".yaml", ".yml"])

  @Test func corpusIsLarge() {
    #expect(Self.cases.count >= 40, "only \(Self.cases.count) golden cases")
  }

  /// The id a case names in its `# expect: ID` comment (on one of its first lines).
  static func expectedID(_ text: String?) -> String? {
    guard let text else { return nil }
    for line in text.split(separator: "\n").prefix(3) where line.hasPrefix("# expect: ") {
      return String(line.dropFirst("# expect: ".count)).trimmingCharacters(in: .whitespaces)
    }
    return nil
  }

  @Test(arguments: cases)
  func rendersGolden(_ name: String) throws {
    let root = Paths.repository(Self.folder).path + "/"
    let result = Linter().lint(path: root + "Inputs/" + name)
    #expect(result.diagnostics.count > 0, "a bad recipe must produce at least one finding")
    var sources: [String: String] = [:]
    if let text = result.text { sources[result.file] = text }
    let rendered = DiagnosticRenderer(sources: sources).render(result.diagnostics, format: .text)
      .replacingOccurrences(of: root, with: "")
    if let expected = Self.expectedID(result.text) {
      let errorIDs = Set(result.diagnostics.filter { $0.severity == .error }.map(\.id))
      #expect(result.diagnostics.contains { $0.id == expected }, "expected \(expected)")
      #expect(errorIDs.isSubset(of: [expected]), "unexpected errors: \(errorIDs.sorted())")
    }
    let stem = (name as NSString).deletingPathExtension
    expectGolden(rendered, file: Paths.repository("\(Self.folder)/Golden/\(stem).txt"))
  }
}
