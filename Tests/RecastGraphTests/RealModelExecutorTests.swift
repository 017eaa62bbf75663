import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// The shared real models run by `Executor` against onnxruntime: the digits CNNs (onnxruntime run live through the
/// Python oracle, plus top-1 accuracy), ResNet-18 and MiniLM (onnxruntime outputs recorded in `../shared/models`).
@Suite struct RealModelExecutorTests {
  static let digitsModels = [
    "digits_cnn.onnx", "digits_cnn_bn.onnx", "digits_cnn.dynamo.onnx", "digits_cnn_bn.dynamo.onnx",
  ]

  @Test(arguments: digitsModels)
  func digitsMatchOnnxruntime(_ name: String) throws {
    guard let url = SharedModels.url(name), let data = SharedModels.url("digits_test_x.npy"),
      let labels = SharedModels.url("digits_test_y.npy"), Python.available()
    else { return }
    let x = try NPY.read(contentsOf: data)
    let executor = try Executor(try Model(contentsOf: url))
    let logits = try #require(try executor.run(["input": x])["logits"])

    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let reference = folder.file("ort.npy")
    let script = """
      import sys, numpy as np, onnxruntime as ort
      s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
      np.save(sys.argv[3], s.run(None, {"input": np.load(sys.argv[2])})[0])
      """
    let result = try Python.run(script, [url.path, data.path, reference.path])
    try #require(result.status == 0, "\(result.output)")
    let expected = try NPY.read(contentsOf: reference)
    let difference = maxAbsDifference(logits, expected)
    print("\(name): max abs difference vs onnxruntime \(difference) over \(x.shape[0]) images")
    // Logits are O(10); float32 kernels that sum in another order than onnxruntime's differ by a few ulps.
    #expect(difference < 1e-4)
    let correct = zip(argmaxRows(logits), try NPY.read(contentsOf: labels).integers()).filter { $0 == $1 }.count
    #expect(correct == 357, "\(name): top-1 \(correct)/360")
  }

  @Test func resnet18MatchesRecordedOutput() throws {
    guard let url = SharedModels.url("resnet18_random_bn.onnx"), let input = SharedModels.url("resnet18_input.npy"),
      let output = SharedModels.url("resnet18_output.npy")
    else { return }
    let rows = Self.resnetRows
    let x = try firstRows(try NPY.read(contentsOf: input), rows)
    let expected = try firstRows(try NPY.read(contentsOf: output), rows)
    let executor = try Executor(try Model(contentsOf: url))
    let start = Date()
    let logits = try #require(try executor.run(["input": x])["logits"])
    let difference = maxAbsDifference(logits, expected)
    print(
      "resnet18_random_bn.onnx: max abs difference vs onnxruntime \(difference) (batch \(rows), "
        + "\(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
    // Logits have std 0.49; 20 conv layers of float32 accumulation in another order than onnxruntime's.
    #expect(difference < 1e-4)
  }

  @Test func minilmMatchesRecordedOutputs() throws {
    guard let url = SharedModels.url("minilm_l6_v2.onnx"), let ids = SharedModels.url("minilm_input_ids.npy"),
      let mask = SharedModels.url("minilm_attention_mask.npy"),
      let types = SharedModels.url("minilm_token_type_ids.npy"),
      let hidden = SharedModels.url("minilm_reference_output.npy"),
      let embedding = SharedModels.url("minilm_reference_embedding.npy")
    else { return }
    let rows = Self.minilmRows
    let inputs = [
      "input_ids": try firstRows(try NPY.read(contentsOf: ids), rows),
      "attention_mask": try firstRows(try NPY.read(contentsOf: mask), rows),
      "token_type_ids": try firstRows(try NPY.read(contentsOf: types), rows),
    ]
    let executor = try Executor(try Model(contentsOf: url))
    let outputs = try executor.run(inputs)
    let hiddenDifference = maxAbsDifference(
      try #require(outputs["last_hidden_state"]), try firstRows(try NPY.read(contentsOf: hidden), rows))
    let embeddingDifference = maxAbsDifference(
      try #require(outputs["sentence_embedding"]), try firstRows(try NPY.read(contentsOf: embedding), rows))
    print(
      "minilm_l6_v2.onnx: max abs difference vs onnxruntime \(hiddenDifference) (last_hidden_state), "
        + "\(embeddingDifference) (sentence_embedding), \(rows) sentences")
    // Hidden states are O(1) after 6 layers of LayerNorm, erf-GELU and softmax in float32 (torch vs onnxruntime
    // differ by 1.1e-5 on the same output); the embedding is L2-normalised.
    #expect(hiddenDifference < 1e-4)
    #expect(embeddingDifference < 1e-5)
  }

  /// Rows of the ResNet input the test runs: all 8 (about 6 s in a debug build).
  static var resnetRows: Int { 8 }
  /// Sentences of the MiniLM input: all 256 in release builds, the first 64 in debug builds (all 256 take ~25 s).
  static var minilmRows: Int { isDebugBuild ? 64 : 256 }

  static var isDebugBuild: Bool {
    #if DEBUG
      true
    #else
      false
    #endif
  }
}

/// The first `rows` entries along axis 0.
func firstRows(_ tensor: Tensor, _ rows: Int) throws -> Tensor {
  try tensor.sliced(starts: [0], ends: [rows], axes: [0])
}

/// The largest absolute elementwise difference (infinity when shapes differ).
func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
  guard a.shape == b.shape else { return .infinity }
  return zip(a.floats(), b.floats()).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// The index of the largest value in each row of a 2-D tensor.
func argmaxRows(_ t: Tensor) -> [Int] {
  let values = t.floats()
  let width = t.shape[1]
  return (0..<t.shape[0]).map { row in
    let slice = values[(row * width)..<((row + 1) * width)]
    return slice.indices.max { values[$0] < values[$1] }! - row * width
  }
}
