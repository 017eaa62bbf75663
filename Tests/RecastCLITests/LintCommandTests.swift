import Foundation
import Testing
import TestSupport

/// End to end: the built `recast` binary's stdout, stderr and exit status.
@Suite struct LintCommandTests {
  func recast(_ arguments: String...) throws -> ProcessOutput {
    try runProcess(recastExecutable, arguments, currentDirectory: Paths.repositoryRoot)
  }

  func temporaryFile(_ name: String, _ text: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recast-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
  }

  @Test func cleanPresetExitsZero() throws {
    let out = try recast("lint", "recipes/w8.yaml")
    #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
    #expect(out.stdout == "1 file checked: no problems\n")
  }

  @Test func badRecipeExitsOneWithRenderedDiagnostic() throws {
    let path = try temporaryFile("bad.yaml", "recast: 1\nquantization_spec:\n  w: {dtype: int7}\n")
    let out = try recast("lint", path)
    #expect(out.status == 1)
    #expect(out.stdout.contains("\(path):3:14: error: "))
    #expect(out.stdout.contains("int7"))
    #expect(out.stdout.contains("[schema.enum]"))
    #expect(out.stdout.contains("help: did you mean 'int8'?"))
    #expect(out.stdout.hasSuffix("1 file checked: 1 error, 0 warnings\n"))
  }

  @Test func reportsEveryFileInOneRun() throws {
    let a = try temporaryFile("a.yaml", "recast: 1\nnmae: x\n")
    let b = try temporaryFile("b.yaml", "recast: 2\n")
    let out = try recast("lint", a, "recipes/w8.yaml", b)
    #expect(out.status == 1)
    #expect(out.stdout.contains("\(a):2:1:"))
    #expect(out.stdout.contains("\(b):1:9:"))
    #expect(out.stdout.contains("3 files checked"))
  }

  @Test func warningsFailOnlyWithStrict() throws {
    let path = try temporaryFile(
      "warn.yaml",
      """
      recast: 1
      quantization_config:
        global_config:
          op_input_spec: {"*": {dtype: float8_e5m2}}
          op_output_spec: null
      stages:
        - prepare: {}
        - calibrate: {}

      """)
    let relaxed = try recast("lint", path)
    #expect(relaxed.status == 0, "\(relaxed.stdout)")
    #expect(relaxed.stdout.contains("warning:"))
    let strict = try recast("lint", "--strict", path)
    #expect(strict.status == 1)
    #expect(strict.stdout.contains("error: float8_e5m2"))
  }

  @Test func jsonFormatIsValidJSON() throws {
    let path = try temporaryFile("bad.yaml", "recast: 1\nstages: [{prepare: {}}, {export: {path: out.onnx}}]\n")
    let out = try recast("lint", "--format", "json", path)
    #expect(out.status == 1)
    let parsed = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
    #expect(parsed.contains { $0["id"] as? String == "lint.stage-order" })
  }

  @Test func sarifFormatNamesTheRule() throws {
    let path = try temporaryFile("bad.yaml", "recast: 1\nstages: [{prepare: {}}, {export: {path: out.onnx}}]\n")
    let out = try recast("lint", "--format", "sarif", path)
    let parsed = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
    #expect(parsed?["version"] as? String == "2.1.0")
    #expect(out.stdout.contains("\"ruleId\": \"lint.stage-order\""))
  }

  @Test func usageErrorsExit64() throws {
    #expect(try recast("lint").status == 64)
    #expect(try recast("lint", "--format", "xml", "recipes/w8.yaml").status == 64)
    #expect(try recast("lint", "--explain", "no.such-id").status == 64)
  }

  @Test func explainPrintsRuleDocumentation() throws {
    let out = try recast("lint", "--explain", "lint.stage-order")
    #expect(out.status == 0)
    #expect(out.stdout.hasPrefix("lint.stage-order: "))
    #expect(out.stdout.contains("finalize"))
    let list = try recast("lint", "--explain", "list")
    #expect(list.stdout.split(separator: "\n").contains("lint.selector-regex"))
  }

  @Test func missingFileIsAnError() throws {
    let out = try recast("lint", "/nonexistent/recipe.yaml")
    #expect(out.status == 1)
    #expect(out.stdout.contains("'/nonexistent/recipe.yaml' does not exist [io.read]"))
  }

  @Test func validateChecksAnyDocumentAgainstAnySchema() throws {
    let schema = try temporaryFile(
      "team.schema.json", #"{"type": "object", "required": ["owner"], "properties": {"owner": {"type": "string"}}}"#)
    let good = try temporaryFile("good.yaml", "owner: ml-platform\n")
    let bad = try temporaryFile("bad.yaml", "owner: 3\n")
    #expect(try recast("validate", "--schema", schema, good).status == 0)
    let out = try recast("validate", "--schema", schema, bad)
    #expect(out.status == 1)
    #expect(out.stdout.contains("\(bad):1:8: error:"))
    #expect(out.stdout.contains("[schema.type]"))
  }
}
