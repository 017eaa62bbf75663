import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import Testing

/// Digits W8A8 end to end against onnxruntime's own `quantize_static` (shared/models/reference_ort.json, uint8
/// asymmetric activations / int8 per-channel weights: top-1 0.99167, max |Δlogit| 1.089).
@Suite("Export: digits W8A8 in onnxruntime")
struct ExportDigitsTests {
  struct Result {
    var accuracy: Double
    var maxLogitDiff: Float
    var preparedVsOnnxruntime: Float
  }

  /// Prepares with one example image, calibrates on `digits_calib_x.npy` in batches of 32, exports, and runs the
  /// 360 test images in onnxruntime.
  static func run(reseed: Bool) throws -> Result {
    let folder = QuantizerFixtures.digitsFolder
    let model = try Model(contentsOf: folder.appendingPathComponent("digits_cnn.onnx"))
    let calibration = try NPY.read(contentsOf: folder.appendingPathComponent("digits_calib_x.npy"))
    let test = try NPY.read(contentsOf: folder.appendingPathComponent("digits_test_x.npy"))
    let labels = try NPY.read(contentsOf: folder.appendingPathComponent("digits_test_y.npy")).scalars(as: Int64.self)

    let quantizer = try Quantizer(plan: QuantizerFixtures.digitsPlan(model), model: model)
    let prepared = try quantizer.prepare(exampleInputs: [["input": QuantizerFixtures.rows(calibration, 0..<1)]])
    try quantizer.calibrationMode(reseed: reseed) {
      for start in stride(from: 0, to: calibration.shape[0], by: 32) {
        let batch = QuantizerFixtures.rows(calibration, start..<min(start + 32, calibration.shape[0]))
        _ = try prepared(["input": batch])
      }
    }
    let exported = try quantizer.finalize(backend: .onnx)
    let logits = try ExportOracle.run(exported, inputs: ["input": test], runtime: .ort)
    let float = try Executor(model).run(["input": test])["logits"]!
    let fakeQuantized = try prepared(["input": test])["logits"]!

    let values = logits.scalars(as: Float.self)
    var correct = 0
    for (row, label) in labels.enumerated() {
      let scores = values[row * 10..<(row + 1) * 10]
      if scores.indices.max(by: { scores[$0] < scores[$1] })! - row * 10 == Int(label) { correct += 1 }
    }
    return Result(
      accuracy: Double(correct) / Double(labels.count), maxLogitDiff: maxAbsDiff(logits, float),
      preparedVsOnnxruntime: maxAbsDiff(logits, fakeQuantized))
  }

  @Test func digitsW8A8() throws {
    guard ExportOracle.available() else { return }
    let result = try Self.run(reseed: true)
    let coreaiOpt = try Self.run(reseed: false)
    print(
      """
      digits W8A8 (uint8 asym activations, int8 per-channel weights, int32 bias; onnxruntime on 360 test images)
        reseed: true : top-1 \(result.accuracy), max |Δlogit| vs float \(result.maxLogitDiff), \
      prepared vs exported \(result.preparedVsOnnxruntime)
        reseed: false: top-1 \(coreaiOpt.accuracy), max |Δlogit| vs float \(coreaiOpt.maxLogitDiff), \
      prepared vs exported \(coreaiOpt.preparedVsOnnxruntime)
        onnxruntime quantize_static reference: top-1 0.99167, max |Δlogit| 1.089
      """)
    #expect(result.accuracy >= 0.98)
    // Calibrated ranges keep the logits within about onnxruntime's own error (1.089).
    #expect(result.maxLogitDiff < 1.5)
    // The logits' step is about 0.12 (onnxruntime's reference scale 0.1212): agreement within one step.
    #expect(result.preparedVsOnnxruntime <= 0.13)
  }
}
