// W8A8 on the MiniLM sentence encoder through the library API, in onnxruntime quantize_static's scheme
// (uint8 asymmetric activations), Softmax and LayerNormalization kept float. The model is not bundled:
//   swift run example-minilm-w8a8 --model=path/to/minilm_l6_v2.onnx
// Same result as `recast run Examples/minilm/w8a8.yaml --set model.path=...`.
import ExampleSupport
import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor

guard let modelPath = Example.argument("model") else {
  FileHandle.standardError.write(Data("usage: example-minilm-w8a8 --model=minilm_l6_v2.onnx [--out=PATH]\n".utf8))
  exit(64)
}
let model = try Model(contentsOf: URL(fileURLWithPath: modelPath))
let asym = QuantizerConfig.presets.w8a8Asym()
let config = asym.setGlobal(
  asym.globalConfig.effective?.setOpType("Softmax", nil).setOpType("LayerNormalization", nil))

let names = ["input_ids", "attention_mask", "token_type_ids"]
let arrays = try Dictionary(uniqueKeysWithValues: names.map { ($0, try Example.load("minilm/minilm_\($0).npy")) })
func sentences(_ range: Range<Int>) throws -> [String: Tensor] { try arrays.mapValues { try Example.rows($0, range) } }

let quantizer = try Quantizer(model, config: config)
let prepared = try quantizer.prepare(exampleInputs: [try sentences(0..<16)])
try quantizer.calibrationMode {
  for start in stride(from: 0, to: 64, by: 16) { _ = try prepared(try sentences(start..<start + 16)) }
}

let finalized = try quantizer.finalize(backend: .onnx)
let output = Example.output("minilm/out/minilm.w8a8.program.qdq.onnx")
try finalized.write(to: output)
print(
  "minilm w8a8: \(quantizer.plan.weights.count) weight and \(quantizer.plan.activations.count) activation "
    + "quantizers, wrote \(output.path)")
