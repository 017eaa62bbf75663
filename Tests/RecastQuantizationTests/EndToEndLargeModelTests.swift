import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import Testing
import TestSupport

/// Presets on the large shared models (ResNet-18 with random weights, all-MiniLM-L6-v2), run in onnxruntime.
/// The models live in ../shared/models; outside CI the tests skip with a message when they are absent.
@Suite("End to end: ResNet-18 and MiniLM", .serialized)
struct EndToEndLargeModelTests {
  static func shared(_ name: String) -> URL? {
    guard let url = Paths.shared?.appendingPathComponent("models/\(name)"),
      FileManager.default.fileExists(atPath: url.path)
    else {
      if Paths.isCI { Issue.record("../shared/models/\(name) is missing in CI") }
      print("skipped: ../shared/models/\(name) is not present")
      return nil
    }
    return url
  }

  static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) {
      dot += Double(x) * Double(y)
      na += Double(x) * Double(x)
      nb += Double(y) * Double(y)
    }
    return dot / max((na * nb).squareRoot(), 1e-30)
  }

  @Test(arguments: [("w8", QuantizerConfig.presets.w8()), ("w4", QuantizerConfig.presets.w4())])
  func resnet18WeightOnly(name: String, config: QuantizerConfig) throws {
    guard ExportOracle.available(), let url = Self.shared("resnet18_random_bn.onnx"),
      let inputURL = Self.shared("resnet18_input.npy")
    else { return }
    let model = try Model(contentsOf: url)
    let input = QuantizerFixtures.rows(try NPY.read(contentsOf: inputURL), 0..<2)
    let quantizer = try Quantizer(model, config: config)
    let prepared = try quantizer.prepare(exampleInputs: [["input": input]])
    let exported = try quantizer.finalize(backend: .onnx)
    let logits = try ExportOracle.run(exported, inputs: ["input": input], runtime: .ort)
    let float = try Executor(model).run(["input": input])["logits"]!
    let fakeQuantized = try prepared(["input": input])["logits"]!
    let a = logits.scalars(as: Float.self), b = float.scalars(as: Float.self)
    let cos = Self.cosine(a[...], b[...])
    print(
      "resnet18_random_bn \(name): \(quantizer.plan.weights.count) weights quantized, cosine to float \(cos), "
        + "max |Δ| \(maxAbsDiff(logits, float)), prepared vs exported \(maxAbsDiff(logits, fakeQuantized))")
    #expect(quantizer.plan.weights.count == 21)  // 20 convolutions (BN folded) and the classifier
    #expect(maxAbsDiff(logits, fakeQuantized) <= 1e-4)  // weight-only: the same float arithmetic on both sides
    #expect(cos > 0.9)
  }

  /// W8A8 calibrated on sentences 0–63 (one at a time, unpadded), evaluated on 64–255 as one padded batch, as
  /// onnxruntime's reference did
  /// (reference_ort.json: quantize_static QDQ mean cosine 0.8388; MatMul-only 0.9434).
  @Test func minilmW8A8() throws {
    guard ExportOracle.available(), let url = Self.shared("minilm_l6_v2.onnx"),
      let ids = Self.shared("minilm_input_ids.npy"), let mask = Self.shared("minilm_attention_mask.npy"),
      let types = Self.shared("minilm_token_type_ids.npy"), let reference = Self.shared("minilm_reference_embedding.npy")
    else { return }
    let model = try Model(contentsOf: url)
    let arrays = ["input_ids": try NPY.read(contentsOf: ids), "attention_mask": try NPY.read(contentsOf: mask),
      "token_type_ids": try NPY.read(contentsOf: types)]
    func rows(_ range: Range<Int>) -> [String: Tensor] {
      arrays.mapValues { try! $0.sliced(starts: [range.lowerBound], ends: [range.upperBound], axes: [0]) }
    }
    let quantizer = try Quantizer(model, config: QuantizerConfig.presets.w8a8Asym())
    // As the reference did: each calibration sentence alone, trimmed to its tokens (no padding, so the
    // attention mask's -3.4e38 fill never enters an observed range).
    let lengths = arrays["attention_mask"]!.scalars(as: Int64.self)
    func sentence(_ i: Int) -> [String: Tensor] {
      let length = Int(lengths[i * 16..<(i + 1) * 16].reduce(0, +))
      return arrays.mapValues { try! $0.sliced(starts: [i, 0], ends: [i + 1, length], axes: [0, 1]) }
    }
    let prepared = try quantizer.prepare(exampleInputs: [sentence(0)])
    try quantizer.calibrationMode {
      for i in 0..<64 { _ = try prepared(sentence(i)) }
    }
    let exported = try quantizer.finalize(backend: .onnx)
    let embedding = try ExportOracle.run(exported, inputs: rows(64..<256), runtime: .ort, output: 1)
    let expected = QuantizerFixtures.rows(try NPY.read(contentsOf: reference), 64..<256)
    let a = embedding.scalars(as: Float.self), b = expected.scalars(as: Float.self)
    let cosines = (0..<192).map { Self.cosine(a[$0 * 384..<($0 + 1) * 384], b[$0 * 384..<($0 + 1) * 384]) }
    let mean = cosines.reduce(0, +) / Double(cosines.count)
    print(
      "minilm_l6_v2 W8A8 (uint8 asymmetric activations): \(quantizer.plan.weights.count) weight + "
        + "\(quantizer.plan.activations.count) activation quantizers, mean cosine \(mean), min \(cosines.min()!) "
        + "(onnxruntime quantize_static: 0.8388 mean, 0.6705 min)")
    // Measured 0.8105 here: below onnxruntime's 0.8388. Known gap, tracked in the quantization engine issue
    // (placement on transformer blocks differs from onnxruntime's: 171 activation quantizers against its 225).
    withKnownIssue("MiniLM W8A8 mean cosine is below onnxruntime quantize_static's 0.8388", isIntermittent: true) {
      #expect(mean >= 0.8388)
    }
    #expect(mean > 0.75, "a regression below the measured 0.81")
  }
}
