import Foundation
import TestSupport
import Testing

/// End to end: `recast run` on the bundled digits example, its outputs checked with onnxruntime and numpy.
@Suite struct RunCommandTests {
  let digits = Paths.repository("Examples/digits")

  func recast(_ arguments: [String], in folder: URL? = nil) throws -> ProcessOutput {
    try runProcess(recastExecutable, arguments, currentDirectory: folder ?? Paths.repositoryRoot)
  }

  func temporaryFolder() throws -> URL { try makeTemporaryFolder("recast-run") }

  func python(sourceLocation: SourceLocation = #_sourceLocation) -> URL? {
    oraclePythonOrSkip(sourceLocation: sourceLocation)
  }

  /// A recipe in `folder` over the bundled digits files (absolute paths), with the given stages.
  func digitsRecipe(in folder: URL, extends: String = "w8a8", stages: String, extra: String = "") throws -> URL {
    let text = """
      recast: 1
      extends: [\(extends)]
      model: {path: \(digits.appendingPathComponent("digits_cnn_bn.onnx").path)}
      data:
        calibration: {inputs: \(digits.appendingPathComponent("digits_calib_x.npy").path), batch_size: 25}
        validation:
          inputs: \(digits.appendingPathComponent("digits_test_x.npy").path)
          labels: \(digits.appendingPathComponent("digits_test_y.npy").path)
          batch_size: 120
      stages:
      \(stages)
      \(extra)
      """
    let url = folder.appendingPathComponent("recipe.yaml")
    try Data(text.utf8).write(to: url)
    return url
  }

  func json(_ url: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
  }

  /// The evaluate metrics Recast reports for the finalized model equal onnxruntime's outputs of the exported
  /// model scored by numpy against the float model's onnxruntime outputs.
  @Test func metricsOfTheExportedModelMatchOnnxruntimeAndNumpy() throws {
    guard let python = python() else { return }
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let recipe = try digitsRecipe(
      in: folder,
      stages: """
          - prepare: {example_inputs: calibration}
          - calibrate:
          - finalize:
          - evaluate: {metrics: [top1, top5, sqnr, cosine, mse, max_abs]}
          - export: {path: out/model.onnx, report: out/report}
        """)
    let run = try recast(["run", recipe.path, "--quiet"])
    #expect(run.status == 0, "\(run.stderr)")
    let report = try json(folder.appendingPathComponent("out/report.json"))
    let stages = report["stages"] as? [[String: Any]] ?? []
    let metrics = stages.first { $0["stage"] as? String == "evaluate" }?["metrics"] as? [String: Any] ?? [:]
    let values = ["top1", "top5", "sqnr", "cosine", "mse", "max_abs"].map { "\(metrics[$0] as? Double ?? .nan)" }
    let script = """
      import sys, numpy as np, onnxruntime as ort
      folder, digits = sys.argv[1:3]
      top1, top5, sqnr, cosine, mse, max_abs = map(float, sys.argv[3:9])
      x = np.load(digits + "/digits_test_x.npy"); y = np.load(digits + "/digits_test_y.npy")
      run = lambda m: ort.InferenceSession(m, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0].astype(np.float64)
      q = run(folder + "/out/model.onnx"); f = run(digits + "/digits_cnn_bn.onnx")
      ranks = (q > q[np.arange(len(y)), y][:, None]).sum(1)
      ref = dict(top1=(q.argmax(1) == y).mean(), top5=(ranks < 5).mean(),
                 sqnr=10 * np.log10((f ** 2).sum() / ((q - f) ** 2).sum()),
                 cosine=((q * f).sum(1) / np.linalg.norm(q, axis=1) / np.linalg.norm(f, axis=1)).mean(),
                 mse=((q - f) ** 2).mean(), max_abs=np.abs(q - f).max())
      got = dict(top1=top1, top5=top5, sqnr=sqnr, cosine=cosine, mse=mse, max_abs=max_abs)
      print(ref, got)
      # Accuracy exactly (to the double's last digit); the error metrics to the float32 round-off between
      # Recast's executor and onnxruntime on the same QDQ graph (about 1e-6 per logit).
      ok = (abs(ref["top1"] - top1) < 1e-12 and abs(ref["top5"] - top5) < 1e-12 and abs(ref["sqnr"] - sqnr) < 0.01
            and abs(ref["cosine"] - cosine) < 1e-6 and abs(ref["mse"] - mse) <= 1e-3 * ref["mse"]
            and abs(ref["max_abs"] - max_abs) < 1e-4)
      sys.exit(0 if ok else 1)
      """
    let check = try runProcess(python, ["-c", script, folder.path, digits.path] + values)
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    #expect(metrics["top1"] as? Double ?? 0 >= 0.98)
  }

  /// The bundled examples run from the repository (weight-only, calibrated W8A8, W4A8 QAT), and each exported
  /// model runs in onnxruntime with the accuracy Recast measured on its prepared model last (to one sample of 360).
  @Test(arguments: ["w8_weight_only", "w8a8_calibrated", "w4a8_qat"])
  func bundledExampleRunsAndItsExportRunsInOnnxruntime(_ name: String) throws {
    guard let python = python() else { return }
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try recast(["run", "Examples/digits/\(name).yaml", "--output-dir", folder.path, "--log-format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let events = run.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    #expect(events.count == run.stdout.split(separator: "\n").count, "every stdout line is one JSON object")
    #expect(events.last?["event"] as? String == "done" && events.last?["passed"] as? Bool == true)
    let written = events.filter { $0["event"] as? String == "wrote" }.compactMap { $0["path"] as? String }
    #expect(written.count == 5, "\(written)")
    guard let model = written.first(where: { $0.hasSuffix(".onnx") }) else { return }
    let report = try json(URL(fileURLWithPath: written.first { $0.hasSuffix(".json") } ?? ""))
    let stages = report["stages"] as? [[String: Any]] ?? []
    let top1 = (stages.last { $0["stage"] as? String == "evaluate" }?["metrics"] as? [String: Any])?["top1"] as? Double
    let check = try OnnxruntimeChecks.digitsTop1(python, model: model, expected: top1)
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
  }

  /// The MiniLM example on the model in `../shared/models` (not bundled), validated on 64 sentences: the run
  /// meets its expectations and the exported model, run by onnxruntime, reaches onnxruntime quantize_static's
  /// mean cosine (0.8388) against the float embeddings on those sentences.
  @Test func minilmExampleWithTheModelPathFromTheCommandLine() throws {
    guard let shared = Paths.shared else {
      if Paths.isCI { Issue.record("../shared is missing") }
      return
    }
    guard let python = python() else { return }
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let models = shared.appendingPathComponent("models")
    let run = try recast([
      "run", "Examples/minilm/w8a8.yaml", "--set", "model.path=\(models.appendingPathComponent("minilm_l6_v2.onnx").path)",
      "--set", "data.validation.samples=64", "--output-dir", folder.path, "--quiet",
    ])
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    let model = folder.appendingPathComponent("out/minilm.w8a8.qdq.onnx").path
    let check = try OnnxruntimeChecks.minilmCosine(python, model: model, models: models, rows: 64..<128)
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
  }

  /// The same recipe run twice gives byte-identical model and lock files: post-training, and with eight steps of
  /// QAT on shuffled data (seeded).
  @Test func sameRecipeSameBytes() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var outputs: [[Data]] = []
    for _ in 0..<2 {
      let run = try recast(["run", "Examples/digits/w8a8_calibrated.yaml", "--output-dir", folder.path, "--quiet"])
      #expect(run.status == 0, "\(run.stderr)")
      outputs.append(
        try ["out/digits.w8a8.qdq.onnx", "out/recipe.lock.yaml"].map {
          try Data(contentsOf: folder.appendingPathComponent($0))
        })
    }
    #expect(outputs[0] == outputs[1])
    var trained: [Data] = []
    for _ in 0..<2 {
      let run = try recast([
        "run", "Examples/digits/w4a8_qat.yaml", "--output-dir", folder.appendingPathComponent("qat").path, "--quiet",
        "--set", "stages.3.train={steps: 8, optimizer: {sgd: {lr: 0.01, momentum: 0.9}}}", "--set", "expect={}",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      trained.append(try Data(contentsOf: folder.appendingPathComponent("qat/out/digits.w4a8.qdq.onnx")))
    }
    #expect(trained[0] == trained[1])
    // The rerun against its own lock is accepted.
    let locked = try recast([
      "run", "Examples/digits/w8a8_calibrated.yaml", "--output-dir", folder.path, "--quiet",
      "--locked", folder.appendingPathComponent("out/recipe.lock.yaml").path,
    ])
    #expect(locked.status == 0, "\(locked.stderr)")
  }

  @Test func dryRunPrintsThePlanAndWritesNothing() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try recast(["run", "Examples/digits/w8a8_calibrated.yaml", "--output-dir", folder.path, "--dry-run"])
    #expect(run.status == 0, "\(run.stderr)")
    for text in ["preset     w8a8", "calibration: 100 samples", "5 weight and 9 activation quantizers", "3. evaluate", "nothing computed"] {
      #expect(run.stdout.contains(text), "\(text) in \(run.stdout)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
  }

  @Test func failedExpectationExitsOne() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try recast([
      "run", "Examples/digits/w8_weight_only.yaml", "--output-dir", folder.path, "--set", "expect.sqnr='>= 99'",
    ])
    #expect(run.status == 1)
    #expect(run.stdout.contains("expect sqnr >= 99:") && run.stdout.contains("FAILED"), "\(run.stdout)")
  }

  /// Bad input: each is a clear error naming what and where, exit 1, and nothing written or changed.
  @Test func badInputIsRefusedBeforeAnyOutput() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let stages = """
        - prepare:
        - calibrate:
        - finalize:
        - export: {path: out/model.onnx}
      """
    let recipe = try digitsRecipe(in: folder, stages: stages)
    let out = folder.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let existing = out.appendingPathComponent("model.onnx")
    try Data("previous model".utf8).write(to: existing)

    // A data array whose shape does not fit the model input: both shapes named.
    let wrong = folder.appendingPathComponent("wrong.npy")
    try Data(npyFloat32(shape: [4, 1, 7, 7])).write(to: wrong)
    var run = try recast(["run", recipe.path, "--set", "data.calibration.inputs=\(wrong.path)"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("[4, 1, 7, 7]") || run.stderr.contains("7, 7"), "\(run.stderr)")
    #expect(run.stderr.contains("input"), "\(run.stderr)")

    // A missing data file.
    run = try recast(["run", recipe.path, "--set", "data.calibration.inputs=missing.npy"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("missing.npy") && run.stderr.contains("does not exist"), "\(run.stderr)")

    // A recipe that lints with errors: the lint diagnostics, no run.
    run = try recast(["run", recipe.path, "--set", "stages.1.calibrate.reseeed=true"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("reseeed") && run.stderr.contains("schema.additionalProperties"), "\(run.stderr)")

    // An output folder that cannot be created (a file is in the way).
    try Data().write(to: folder.appendingPathComponent("blocked"))
    run = try recast(["run", recipe.path, "--set", "stages.3.export.path=blocked/model.onnx"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("is a file, not a folder"), "\(run.stderr)")

    // An evaluate stage naming an output the model does not have.
    run = try recast(["run", recipe.path, "--set", "stages.1={evaluate: {output: nope}}"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("no output 'nope'"), "\(run.stderr)")

    // A training loss that needs labels, on data without them: refused before any compute.
    let train = "{inputs: \(digits.path)/digits_train_x.npy}"
    run = try recast([
      "run", recipe.path, "--set", "data.train=\(train)", "--set", "stages.1={train: {epochs: 1, optimizer: {sgd: {lr: 0.01}}}}",
    ])
    #expect(run.status == 1)
    #expect(run.stderr.contains("the loss needs labels") && run.stderr.contains("'train'"), "\(run.stderr)")

    #expect(try String(contentsOf: existing, encoding: .utf8) == "previous model")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["model.onnx"])
  }

  /// A full disk (a 48 KiB tmpfs; skipped where mounting is not permitted): a clear error, no temporary files
  /// left, the existing output intact.
  @Test func diskFullLeavesExistingOutputsIntact() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let mount = try runProcess(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=48k", "tmpfs", folder.path])
    guard mount.status == 0 else {
      print("skipped: cannot mount a tmpfs here (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))")
      return
    }
    defer { _ = try? runProcess(URL(fileURLWithPath: "/bin/umount"), [folder.path]) }
    let out = folder.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try Data("previous model".utf8).write(to: out.appendingPathComponent("digits.w8a8.qdq.onnx"))
    let run = try recast(["run", "Examples/digits/w8a8_calibrated.yaml", "--output-dir", folder.path, "--quiet"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("no space left on device") && run.stderr.contains("no output was changed"), "\(run.stderr)")
    #expect(try String(contentsOf: out.appendingPathComponent("digits.w8a8.qdq.onnx"), encoding: .utf8) == "previous model")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["digits.w8a8.qdq.onnx"])
  }

  /// Ctrl-C during calibration: exit 130, a message, and no output file (not even a temporary one).
  @Test func interruptStopsCleanly() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let process = Process()
    process.executableURL = recastExecutable
    process.currentDirectoryURL = Paths.repositoryRoot
    // 1,437 calibration batches of one sample: long enough to be interrupted mid-stage.
    process.arguments = [
      "run", "Examples/digits/w8a8_calibrated.yaml", "--output-dir", folder.path,
      "--set", "data.calibration={inputs: Examples/digits/digits_train_x.npy, batch_size: 1}",
    ]
    let stderr = Pipe()
    process.standardError = stderr
    process.standardOutput = Pipe()
    let seen = DispatchSemaphore(value: 0)
    let collected = Collected()
    stderr.fileHandleForReading.readabilityHandler = { handle in
      let data = handle.availableData
      if collected.append(data), collected.text.contains("samples") { seen.signal() }
    }
    try process.run()
    #expect(seen.wait(timeout: .now() + 60) == .success, "calibration never reported progress")
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    stderr.fileHandleForReading.readabilityHandler = nil
    // What the handler had not read yet when the process exited (its last lines).
    _ = collected.append(stderr.fileHandleForReading.readDataToEndOfFile())
    #expect(process.terminationStatus == 130, "\(collected.text)")
    #expect(collected.text.contains("interrupted; no output was written"), "\(collected.text)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
  }

  /// Text collected from a pipe's handler thread.
  final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    /// Appends; false at end of file.
    func append(_ chunk: Data) -> Bool {
      lock.withLock { data.append(chunk) }
      return !chunk.isEmpty
    }
  }

  @Test func presetsListShowAndDiff() throws {
    let list = try recast(["presets", "list"])
    #expect(list.status == 0, "\(list.stderr)")
    for name in ["w8 ", "w4 ", "w4_per_block", "w8a8 ", "w8a8_asym", "fp8", "mxfp4", "w4a8_qat", "w2a8_qat"] {
      #expect(list.stdout.contains(name), "\(name) in \(list.stdout)")
    }
    let show = try recast(["presets", "show", "w4"])
    #expect(show.status == 0, "\(show.stderr)")
    // w4 extends w4_per_block: the block size comes from there, with its file and line.
    let blockLine = show.stdout.split(separator: "\n").first { $0.contains("block_size: 32") }
    #expect(blockLine?.contains("<builtin>/w4_per_block.yaml:") == true, "\(show.stdout)")
    let diff = try recast(["presets", "diff", "w8", "w4"])
    #expect(diff.status == 0, "\(diff.stderr)")
    #expect(diff.stdout.contains("- ") && diff.stdout.contains("int8") && diff.stdout.contains("int4"), "\(diff.stdout)")
    let unknown = try recast(["presets", "show", "w9"])
    #expect(unknown.status == 1)
    #expect(unknown.stderr.contains("unknown preset 'w9'"))
  }

  /// A float32 .npy of zeros.
  func npyFloat32(shape: [Int]) -> [UInt8] {
    let dims = shape.map(String.init).joined(separator: ", ")
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    bytes += [UInt8](repeating: 0, count: 4 * shape.reduce(1, *))
    return bytes
  }
}
