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
    // As the reference did: each calibration sentence alone, trimmed to its tokens (no padding: the attention
    // mask is all zero during calibration).
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
    // RECAST_DUMP_MINILM=path writes the export, to compare with onnxruntime's own QDQ model.
    if let dump = ProcessInfo.processInfo.environment["RECAST_DUMP_MINILM"] {
      try exported.write(to: URL(fileURLWithPath: dump))
    }
    let embedding = try ExportOracle.run(exported, inputs: rows(64..<256), runtime: .ort, output: 1)
    let expected = QuantizerFixtures.rows(try NPY.read(contentsOf: reference), 64..<256)
    let a = embedding.scalars(as: Float.self), b = expected.scalars(as: Float.self)
    let cosines = (0..<192).map { Self.cosine(a[$0 * 384..<($0 + 1) * 384], b[$0 * 384..<($0 + 1) * 384]) }
    let mean = cosines.reduce(0, +) / Double(cosines.count)
    print(
      "minilm_l6_v2 W8A8 (uint8 asymmetric activations): \(quantizer.plan.weights.count) weight + "
        + "\(quantizer.plan.activations.count) activation quantizers, mean cosine \(mean), min \(cosines.min()!) "
        + "(onnxruntime quantize_static: 0.8388 mean, 0.6705 min)")
    // Measured 0.8647 (min 0.7247) with 164 activation quantizers. The additive attention masks and the masked
    // scores stay float (AdditiveMasks); quantized, the mask calibrated without padding lost its -3.4e38 at run
    // time and the padded batch attended to padding (0.8105, min 0.58).
    #expect(mean >= 0.8388, "below onnxruntime quantize_static's 0.8388")
    #expect(cosines.min()! >= 0.6705, "below onnxruntime quantize_static's minimum 0.6705")
    #expect(quantizer.plan.keptFloat.keys.contains("/m/Where_1_output_0"))
    // The prepared (fake-quantized) model agrees with the export: most rows to rounding (cosine 1 − 1e-15), but a
    // W8A8 MiniLM is chaotic on some rows — a level flipped by float round-off moves the embedding (row 67: cosine
    // 0.949 between the two; nudging the export's LayerNorm parameters by 1e-7 moves row 73 as much, 0.899).
    let count = 8
    let few = try prepared(rows(64..<(64 + count)))["sentence_embedding"]!.scalars(as: Float.self)
    let agreement = (0..<count).map { Self.cosine(few[$0 * 384..<($0 + 1) * 384], a[$0 * 384..<($0 + 1) * 384]) }
    print("minilm_l6_v2 W8A8 prepared vs exported, cosine per row 64..<72: \(agreement)")
    #expect(agreement.filter { $0 > 1 - 1e-6 }.count >= count - 2)
  }
}
