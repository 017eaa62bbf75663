// Calibration throughput: samples per second through `calibrationMode` (float forward + an observer at every
// activation quantizer) next to a plain float forward of the same batches, on the digits network and —
// when ../shared/models is present — MiniLM. Release build: `swift run -c release calibrate-bench [SHARED]`.
import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor

func seconds(_ body: () throws -> Void) rethrows -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func rows(_ t: Tensor, _ range: Range<Int>) throws -> Tensor {
  try t.sliced(starts: [range.lowerBound], ends: [range.upperBound], axes: [0])
}

/// Times `passes` passes over `batches` in calibration mode and as plain float forwards; prints samples/s.
func measure(_ name: String, model: Model, config: QuantizerConfig, batches: [[String: Tensor]], passes: Int) throws {
  let samples = batches.reduce(0) { $0 + ($1.values.first?.shape.first ?? 0) } * passes
  let executor = try Executor(model)
  for b in batches { _ = try executor.run(b) }  // warm-up: allocator, BLAS buffers, caches
  let float = try seconds { for _ in 0..<passes { for b in batches { _ = try executor.run(b) } } }
  let quantizer = try Quantizer(model, config: config)
  let prepared = try quantizer.prepare(exampleInputs: [batches[0]])
  try quantizer.calibrationMode { for b in batches { _ = try prepared(b) } }  // warm-up, as above
  let calibrate = try seconds {
    try quantizer.calibrationMode { for _ in 0..<passes { for b in batches { _ = try prepared(b) } } }
  }
  print(
    String(
      format: "%@: calibration %.0f samples/s, float forward %.0f samples/s (%.2f x), %d activation quantizers",
      name, Double(samples) / calibrate, Double(samples) / float, float / calibrate, quantizer.plan.activations.count))
}

func benchmark() throws {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let digits = root.appendingPathComponent("Examples/digits")
  let model = try Model(contentsOf: digits.appendingPathComponent("digits_cnn_bn.onnx"))
  let x = try NPY.read(contentsOf: digits.appendingPathComponent("digits_train_x.npy"))
  let digitBatches = try stride(from: 0, to: 1024, by: 32).map { ["input": try rows(x, $0..<$0 + 32)] }
  try measure("digits_cnn_bn W8A8, batch 32", model: model, config: .presets.w8a8Asym(), batches: digitBatches, passes: 5)

  let shared = CommandLine.arguments.dropFirst().first.map(URL.init(fileURLWithPath:))
    ?? root.deletingLastPathComponent().appendingPathComponent("shared/models")
  let minilm = shared.appendingPathComponent("minilm_l6_v2.onnx")
  guard FileManager.default.fileExists(atPath: minilm.path) else {
    print("minilm: skipped (\(minilm.path) not found)")
    return
  }
  let inputs = try ["input_ids", "attention_mask", "token_type_ids"].map { name in
    (name, try NPY.read(contentsOf: shared.appendingPathComponent("minilm_\(name).npy")))
  }
  let textBatches = try stride(from: 0, to: 64, by: 16).map { start in
    Dictionary(uniqueKeysWithValues: try inputs.map { ($0.0, try rows($0.1, start..<start + 16)) })
  }
  try measure(
    "minilm_l6_v2 W8A8, batch 16 x 16 tokens", model: try Model(contentsOf: minilm), config: .presets.w8a8Asym(),
    batches: textBatches, passes: 2)
}

try benchmark()
