import Foundation
import TestSupport
import Testing

/// End to end: `recast infer` on the digits model in `Examples/digits`, checked against onnxruntime.
@Suite struct InferCommandTests {
  let model = "Examples/digits/digits_cnn_bn.onnx"
  let data = "Examples/digits/digits_test_x.npy"

  func recast(_ arguments: String...) throws -> ProcessOutput {
    try runProcess(recastExecutable, arguments, currentDirectory: Paths.repositoryRoot)
  }

  func temporaryFolder() throws -> URL { try makeTemporaryFolder("recast-infer") }

  func python(sourceLocation: SourceLocation = #_sourceLocation) -> URL? {
    oraclePythonOrSkip(sourceLocation: sourceLocation)
  }

  /// Runs onnxruntime on the digits data, writes `ref.npz` (np.savez) and checks recast's `out.npz` against it.
  func onnxruntime(_ python: URL, _ folder: URL, check: Bool) throws -> ProcessOutput {
    let script = """
      import sys, numpy as np, onnxruntime as ort
      model, data, folder, check = sys.argv[1:5]
      s = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
      logits = s.run(None, {"input": np.load(data)})[0]
      np.savez(folder + "/ref.npz", logits=logits)
      if check == "1":
          out = np.load(folder + "/out.npz")
          assert out.files == ["logits"], out.files
          assert out["logits"].dtype == np.float32 and out["logits"].shape == logits.shape
          diff = float(np.abs(out["logits"] - logits).max())
          print("max abs difference", diff)
          sys.exit(0 if diff < 1e-4 else 1)
      """
    return try runProcess(
      python, ["-c", script, model, data, folder.path, check ? "1" : "0"], currentDirectory: Paths.repositoryRoot)
  }

  @Test func outputsMatchOnnxruntime() throws {
    guard let python = python() else { return }
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = try recast("infer", model, "--input", data, "--output", folder.appendingPathComponent("out.npz").path)
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stderr.isEmpty)
    let check = try onnxruntime(python, folder, check: true)
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    // No temporary file is left beside the output.
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(names == ["out.npz", "ref.npz"])
  }

  @Test func compareReportsErrorsAndFailsPastTolerance() throws {
    guard let python = python() else { return }
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let reference = try onnxruntime(python, folder, check: false)
    try #require(reference.status == 0, "\(reference.stderr)")
    let ref = folder.appendingPathComponent("ref.npz").path
    let pass = try recast("infer", model, "--input", "input=\(data)", "--compare", ref)
    #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
    #expect(pass.stdout.hasPrefix("logits: max abs error "))
    let fail = try recast("infer", model, "--input", "input=\(data)", "--compare", ref, "--tolerance", "0")
    #expect(fail.status == 1)
    #expect(fail.stdout.contains("exceeds tolerance 0.0"))
  }

  @Test func badInputsExitOneNamingTheProblem() throws {
    let wrongName = try recast("infer", model, "--input", "x=\(data)")
    #expect(wrongName.status == 1)
    #expect(wrongName.stderr.contains("'x' is not an input of the graph (inputs: input)"))

    let missing = try recast("infer", model, "--input", "input=/nonexistent/x.npy")
    #expect(missing.status == 1)
    #expect(missing.stderr.hasPrefix("error: "))

    let notFloat = try recast("infer", model, "--input", "Examples/digits/digits_test_y.npy")
    #expect(notFloat.status == 1)
    #expect(notFloat.stderr.contains("input 'input' must be float; found int64 [360]"))
  }

  @Test func checkFiniteNamesTheInputAndIndex() throws {
    guard let python = python() else { return }
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("nan.npy").path
    let make = try runProcess(
      python,
      [
        "-c",
        "import sys, numpy as np; x = np.zeros((2,1,8,8), np.float32); x[1,0,3,4] = np.nan; np.save(sys.argv[1], x)",
        file,
      ])
    try #require(make.status == 0, "\(make.stderr)")
    let out = try recast("infer", model, "--input", file, "--check-finite")
    #expect(out.status == 1)
    #expect(out.stderr.contains("input 'input' holds nan at index [1, 0, 3, 4]"))
  }

  @Test func usageErrorsExit64() throws {
    #expect(try recast("infer", model).status == 64)
    #expect(try recast("infer", model, "--input", data, "--output", "out.txt").status == 64)
  }
}
