import Foundation
import TestSupport
import Testing

/// The example programs (`Examples/Programs`, the seed's workflows over the library API) run, and their exported
/// models run in onnxruntime with the accuracy the programs measured.
@Suite struct ExampleProgramTests {
  func program(_ name: String) -> URL { recastExecutable.deletingLastPathComponent().appendingPathComponent(name) }

  func temporaryFolder() throws -> URL { try makeTemporaryFolder("recast-programs") }

  @Test(arguments: ["example-w8-weight-only", "example-w8a8-calibrated", "example-w4a8-qat"])
  func digitsProgram(_ name: String) throws {
    guard let python = oraclePythonOrSkip() else { return }
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = folder.appendingPathComponent("model.onnx")
    let run = try runProcess(program(name), ["--out=\(model.path)"], currentDirectory: Paths.repositoryRoot)
    #expect(run.status == 0, "\(run.stderr)")
    let top1 = run.stdout.components(separatedBy: "top-1 ").last?.split(separator: ",").first.flatMap { Double($0) }
    #expect(top1 != nil, "\(run.stdout)")
    let check = try OnnxruntimeChecks.digitsTop1(python, model: model.path, expected: top1)
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
  }

  /// The MiniLM program on the model in ../shared: onnxruntime on its export reaches quantize_static's mean cosine.
  @Test func minilmProgram() throws {
    guard let shared = Paths.shared else {
      if Paths.isCI { Issue.record("../shared is missing") }
      return
    }
    guard let python = oraclePythonOrSkip() else { return }
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let models = shared.appendingPathComponent("models")
    let model = folder.appendingPathComponent("minilm.onnx")
    let run = try runProcess(
      program("example-minilm-w8a8"),
      ["--model=\(models.appendingPathComponent("minilm_l6_v2.onnx").path)", "--out=\(model.path)"],
      currentDirectory: Paths.repositoryRoot)
    #expect(run.status == 0, "\(run.stderr)")
    let check = try OnnxruntimeChecks.minilmCosine(python, model: model.path, models: models, rows: 64..<256)
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
  }
}
