import Foundation
import RecastDiagnostics
import RecastRecipe
import Testing
import TestSupport

/// Every shipped recipe and preset, and every valid test recipe, lints without findings.
@Suite struct CleanFilesTests {
  static let files: [String] = {
    var files = repositoryFiles(in: "recipes", extensions: [".yaml"]).map { "recipes/\($0)" }
    files += repositoryFiles(in: "Tests/RecastRecipeTests/Valid", extensions: [".yaml"]).map { "Tests/RecastRecipeTests/Valid/\($0)" }
    let examples = Paths.repository("Examples")
    let enumerator = FileManager.default.enumerator(atPath: examples.path)
    while let path = enumerator?.nextObject() as? String {
      if path.hasSuffix(".yaml") { files.append("Examples/\(path)") }
    }
    return files.sorted()
  }()

  @Test func thereAreFilesToCheck() {
    #expect(Self.files.filter { $0.hasPrefix("recipes/") }.count >= 7)
  }

  @Test(arguments: files)
  func lintsClean(_ file: String) {
    let result = Linter().lint(path: Paths.repository(file).path)
    let rendered = DiagnosticRenderer(sources: result.text.map { [result.file: $0] } ?? [:])
      .render(result.diagnostics, format: .text)
    #expect(result.diagnostics.isEmpty, "\(rendered)")
  }

  @Test func embeddedResourcesMatchFiles() throws {
    for name in repositoryFiles(in: "schemas", extensions: [".json"]) {
      let onDisk = try String(contentsOf: Paths.repository("schemas/\(name)"), encoding: .utf8)
      #expect(RecipeSchemas.text(name) == onDisk, "schemas/\(name) changed: run Scripts/embed-resources.sh")
    }
    for name in repositoryFiles(in: "recipes", extensions: [".yaml"]) {
      let onDisk = try String(contentsOf: Paths.repository("recipes/\(name)"), encoding: .utf8)
      let stem = (name as NSString).deletingPathExtension
      #expect(PresetLibrary.builtinText(stem) == onDisk, "recipes/\(name) changed: run Scripts/embed-resources.sh")
    }
  }
}
