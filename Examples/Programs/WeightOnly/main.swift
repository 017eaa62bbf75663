// The seed's weight-only PTQ workflow on the digits CNN, through the library API: int8 per-channel weights,
// no calibration data. Same result as `recast run Examples/digits/w8_weight_only.yaml`.
import ExampleSupport
import Foundation
import RecastGraph
import RecastQuantization

let model = try Model(contentsOf: Example.examples.appendingPathComponent("digits/digits_cnn_bn.onnx"))
let quantizer = try Quantizer(model, config: .presets.w8())
let prepared = try quantizer.prepare(exampleInputs: [])  // weights quantized; no activations to seed

let x = try Example.load("digits/digits_test_x.npy"), y = try Example.load("digits/digits_test_y.npy")
let top1 = Example.top1(try prepared(["input": x])["logits"]!, labels: y)

let finalized = try quantizer.finalize(backend: .onnx)
let output = Example.output("digits/out/digits.w8.program.qdq.onnx")
try finalized.write(to: output)
print("w8 weight-only: \(quantizer.plan.weights.count) weights quantized, top-1 \(top1), wrote \(output.path)")
