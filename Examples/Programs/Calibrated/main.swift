// The seed's calibration-based PTQ workflow on the digits CNN, through the library API: W8A8 (int8 weights
// per channel, int8 activations), activation ranges from 100 calibration images. Same result as
// `recast run Examples/digits/w8a8_calibrated.yaml`.
import ExampleSupport
import Foundation
import RecastGraph
import RecastQuantization

let model = try Model(contentsOf: Example.examples.appendingPathComponent("digits/digits_cnn_bn.onnx"))
let calibration = try Example.load("digits/digits_calib_x.npy")

let quantizer = try Quantizer(model, config: .presets.w8a8())  // graph mode: BN folded, Conv-BN-ReLU fused
let prepared = try quantizer.prepare(exampleInputs: [["input": try Example.rows(calibration, 0..<1)]])
try quantizer.calibrationMode {
  for batch in try Example.batches(calibration, size: 25) { _ = try prepared(["input": batch]) }
}

let x = try Example.load("digits/digits_test_x.npy"), y = try Example.load("digits/digits_test_y.npy")
let top1 = Example.top1(try prepared(["input": x])["logits"]!, labels: y)

let finalized = try quantizer.finalize(backend: .onnx)
let output = Example.output("digits/out/digits.w8a8.program.qdq.onnx")
try finalized.write(to: output)
print(
  "w8a8 calibrated: \(quantizer.plan.weights.count) weight and \(quantizer.plan.activations.count) activation "
    + "quantizers, top-1 \(top1), wrote \(output.path)")
