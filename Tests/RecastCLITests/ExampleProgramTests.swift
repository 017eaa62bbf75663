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
    let script = """
      import sys, numpy as np, onnxruntime as ort
      model, digits, expected = sys.argv[1], sys.argv[2], float(sys.argv[3])
      x = np.load(digits + "/digits_test_x.npy"); y = np.load(digits + "/digits_test_y.npy")
      q = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
      top1 = (q.argmax(1) == y).mean()
      print("onnxruntime top1", top1, "program", expected)
      sys.exit(0 if abs(top1 - expected) <= 1 / 360 + 1e-9 and top1 >= 0.98 else 1)
      """
    let check = try runProcess(
      python, ["-c", script, model.path, Paths.repository("Examples/digits").path, "\(top1 ?? -1)"])
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
    let script = """
      import sys, numpy as np, onnxruntime as ort
      model, models = sys.argv[1:3]
      feeds = {k: np.load(f"{models}/minilm_{k}.npy")[64:256] for k in ["input_ids", "attention_mask", "token_type_ids"]}
      e = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(["sentence_embedding"], feeds)[0]
      r = np.load(models + "/minilm_reference_embedding.npy")[64:256]
      c = (e * r).sum(1) / np.linalg.norm(e, axis=1) / np.linalg.norm(r, axis=1)
      print("onnxruntime on the program's export: mean cosine", c.mean())
      sys.exit(0 if c.mean() >= 0.8388 else 1)
      """
    let check = try runProcess(python, ["-c", script, model.path, models.path])
    print(check.stdout, terminator: "")
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
  }
}
