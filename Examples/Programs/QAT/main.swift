// The seed's QAT workflow on the digits CNN through the library API: int4 per-channel weights and int8
// activations, calibrated, then two epochs of quantization-aware training in which BatchNorm statistics and
// the scales freeze after the first epoch. Same scheme as `recast run Examples/digits/w4a8_qat.yaml`.
import ExampleSupport
import Foundation
import RecastGraph
import RecastQuantization

let model = try Model(contentsOf: Example.examples.appendingPathComponent("digits/digits_cnn_bn.onnx"))
let calibration = try Example.load("digits/digits_calib_x.npy")
let trainX = try Example.load("digits/digits_train_x.npy"), trainY = try Example.load("digits/digits_train_y.npy")
let testX = try Example.load("digits/digits_test_x.npy"), testY = try Example.load("digits/digits_test_y.npy")

let act8 = QuantizationSpec(dtype: .int8)
var scope = ModuleQuantizerConfig(
  opInputSpec: .all(act8), opOutputSpec: .all(act8),
  opStateSpec: ["weight": QuantizationSpec(dtype: .int4, granularity: .perChannel(axis: nil))])
scope.qatSchedule = QATSchedule(
  enableObserver: .step(0), enableFakeQuant: .step(0), disableObserver: .epoch(1), freezeBN: .epoch(1))
let quantizer = try Quantizer(model, config: QuantizerConfig(global: scope))

let prepared = try quantizer.prepare(exampleInputs: [["input": try Example.rows(calibration, 0..<1)]])
try quantizer.calibrationMode {
  for batch in try Example.batches(calibration, size: 25) { _ = try prepared(["input": batch]) }
}
let ptq = Example.top1(try prepared(["input": testX])["logits"]!, labels: testY)

let data = try TensorDataSource(inputs: ["input": trainX], labels: trainY, batchSize: 64, shuffle: true, seed: 0)
var trainer = QATTrainer(epochs: 2, optimizer: SGD(learningRate: 0.01, momentum: 0.9), loss: .crossEntropy)
let summary = try trainer.run(quantizer, data: data)
let qat = Example.top1(try prepared(["input": testX])["logits"]!, labels: testY)

let finalized = try quantizer.finalize(backend: .onnx)
let output = Example.output("digits/out/digits.w4a8.program.qdq.onnx")
try finalized.write(to: output)
print("w4a8 QAT: PTQ top-1 \(ptq), \(summary.steps) training steps, top-1 \(qat), wrote \(output.path)")
