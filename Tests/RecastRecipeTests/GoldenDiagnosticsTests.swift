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

  @Test(arguments: cases)
  func rendersGolden(_ name: String) throws {
    let root = Paths.repository(Self.folder).path + "/"
    let result = Linter().lint(path: root + "Inputs/" + name)
    #expect(result.diagnostics.count > 0, "a bad recipe must produce at least one finding")
    var sources: [String: String] = [:]
    if let text = result.text { sources[result.file] = text }
    let rendered = DiagnosticRenderer(sources: sources).render(result.diagnostics, format: .text)
      .replacingOccurrences(of: root, with: "")
    let stem = (name as NSString).deletingPathExtension
    expectGolden(rendered, file: Paths.repository("\(Self.folder)/Golden/\(stem).txt"))
  }
}
