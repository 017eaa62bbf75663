import Foundation
import RecastDiagnostics
import RecastGraph
import RecastRecipe
import Testing
import TestSupport

/// `lint --model`: findings that need the model, located in the recipe.
@Suite struct ModelLintTests {
  static let model = try! Model(contentsOf: Paths.repository("Examples/digits/digits_cnn_bn.onnx"))

  func lint(_ text: String) throws -> [Diagnostic] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recast-model-lint-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("recipe.yaml").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return Linter().lint(path: path, model: Self.model).diagnostics
  }

  @Test func unmatchedSelectorIsAnErrorAtItsKey() throws {
    let findings = try lint("quantization_config:\n  module_name_configs:\n    \"1[0-9]\": null\n    \"features\\\\.0\": null\n")
    let unmatched = findings.filter { $0.id == "config.unmatched-selector" }
    #expect(unmatched.count == 1)
    #expect(unmatched.first?.severity == .error)
    #expect(unmatched.first?.span?.start.line == 4)
    #expect(unmatched.first?.span?.start.column == 5)
  }

  @Test func allowUnmatchedTurnsItIntoAWarning() throws {
    let findings = try lint(
      "allow_unmatched: [\"head\\\\..*\"]\nquantization_config:\n  module_name_configs:\n    \"head\\\\..*\": null\n")
    #expect(findings.map(\.id) == ["config.unmatched-selector"])
    #expect(findings.first?.severity == .warning)
  }

  @Test func moduleTypesAreUnmatchedOnTorchScriptExports() throws {
    let findings = try lint(
      "quantization_config:\n  module_type_configs:\n    torch.nn.modules.conv.Conv2d: null\n")
    #expect(findings.first?.id == "config.unmatched-selector")
    #expect(findings.first?.help?.contains("dynamo=True") == true)
  }

  @Test func blockSizeThatDoesNotDivideNamesBothNumbers() throws {
    let findings = try lint(
      """
      quantization_config:
        global_config:
          op_input_spec: null
          op_output_spec: null
          op_state_spec: {weight: {dtype: int4, granularity: {type: per_block, block_size: 48}}}

      """)
    let blocks = findings.filter { $0.id == "config.block-size" }
    #expect(!blocks.isEmpty)
    #expect(blocks.allSatisfy { $0.message.contains("48") })
    #expect(blocks.contains { $0.message.contains("256") })
    #expect(blocks.first?.span?.start.line == 5)
  }

  @Test func presetRulesPointIntoThePreset() throws {
    let findings = try lint("extends: [w8a8]\nquantization_config:\n  module_name_configs:\n    \"99\": null\n")
    #expect(findings.map(\.id) == ["config.unmatched-selector"])
    #expect(findings.first?.span?.file.hasSuffix("recipe.yaml") == true)
  }

  @Test func cleanRecipeHasNoModelFindings() throws {
    let path = Paths.repository("Examples/digits/w8a8_calibrated.yaml").path
    let result = Linter().lint(path: path, model: Self.model)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
  }
}
