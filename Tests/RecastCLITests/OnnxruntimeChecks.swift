import Foundation
import TestSupport

/// Checks of exported models in onnxruntime that several CLI tests share (each prints what it measured).
enum OnnxruntimeChecks {
  /// onnxruntime's top-1 of `model` on the bundled digits test set: at least 0.98 and within one sample of 360 of
  /// `expected` (what Recast measured on its prepared model).
  static func digitsTop1(_ python: URL, model: String, expected: Double?) throws -> ProcessOutput {
    let script = """
      import sys, numpy as np, onnxruntime as ort
      model, digits, expected = sys.argv[1], sys.argv[2], float(sys.argv[3])
      x = np.load(digits + "/digits_test_x.npy"); y = np.load(digits + "/digits_test_y.npy")
      q = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
      top1 = (q.argmax(1) == y).mean()
      print("onnxruntime top1", top1, "recast", expected)
      sys.exit(0 if abs(top1 - expected) <= 1 / 360 + 1e-9 and top1 >= 0.98 else 1)
      """
    return try runProcess(
      python, ["-c", script, model, Paths.repository("Examples/digits").path, "\(expected ?? -1)"])
  }

  /// The mean cosine between onnxruntime's `sentence_embedding` of `model` and the float reference on MiniLM
  /// sentences `rows`: at least onnxruntime quantize_static's 0.8388.
  static func minilmCosine(_ python: URL, model: String, models: URL, rows: Range<Int>) throws -> ProcessOutput {
    let script = """
      import sys, numpy as np, onnxruntime as ort
      model, models, start, end = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
      feeds = {k: np.load(f"{models}/minilm_{k}.npy")[start:end] for k in ["input_ids", "attention_mask", "token_type_ids"]}
      e = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(["sentence_embedding"], feeds)[0]
      r = np.load(models + "/minilm_reference_embedding.npy")[start:end]
      c = (e * r).sum(1) / np.linalg.norm(e, axis=1) / np.linalg.norm(r, axis=1)
      print("onnxruntime on the export: mean cosine", c.mean(), "min", c.min())
      sys.exit(0 if c.mean() >= 0.8388 else 1)
      """
    let output = try runProcess(
      python, ["-c", script, model, models.path, "\(rows.lowerBound)", "\(rows.upperBound)"])
    print(output.stdout, terminator: "")
    return output
  }
}
