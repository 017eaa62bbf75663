import Foundation
import RecastGraph
import RecastTensor
import Testing

@Suite("Shape inference")
struct ShapeInferenceTests {
  @Test("digits models give [batch, 10] float logits", arguments: SharedModels.digits)
  func digitsLogits(name: String) throws {
    guard let url = SharedModels.url(name) else { return }
    var model = try Model(contentsOf: url)
    // Drop the declared output shape so the result comes from inference alone.
    model.graph.outputs[0].shape = nil
    model.graph.valueInfo = []
    let result = try model.graph.inferShapes()
    #expect(result.unsupportedOps.isEmpty)
    #expect(result.shape(of: "logits") == ["batch", 10])
    #expect(model.graph.outputs[0].shape == ["batch", 10])
    #expect(model.graph.outputs[0].elementType == .float32)
    // Every intermediate value got a fully known shape except for the batch dimension.
    for info in model.graph.valueInfo {
      let shape = try #require(info.shape, "\(info.name)")
      #expect(!shape.contains(.unknown), "\(info)")
    }
  }

  @Test("a concrete batch size propagates")
  func concreteBatch() throws {
    guard let url = SharedModels.url("digits_cnn_bn.dynamo.onnx") else { return }
    let model = try Model(contentsOf: url)
    let result = try model.graph.inferredShapes(inputShapes: ["input": [32, 1, 8, 8]])
    #expect(result.shape(of: "logits") == [32, 10])
    #expect(result.shape(of: "view") == [32, 256])
  }

  @Test("resnet18 and MiniLM outputs")
  func largerModels() throws {
    if let url = SharedModels.url("resnet18_random_bn.onnx") {
      let model = try Model(contentsOf: url)
      let result = try model.graph.inferredShapes()
      #expect(result.shape(of: "logits") == ["batch", 1000])
    }
    if let url = SharedModels.url("minilm_l6_v2.onnx") {
      let model = try Model(contentsOf: url)
      let result = try model.graph.inferredShapes()
      #expect(result.unsupportedOps.isEmpty)
      #expect(result.shape(of: "last_hidden_state") == ["batch", "seq", 384])
      #expect(result.shape(of: "sentence_embedding") == ["batch", 384])
    }
  }

  @Test("agrees with onnx.shape_inference wherever both know a dimension", arguments: SharedModels.names)
  func agreesWithONNX(name: String) throws {
    guard let url = SharedModels.url(name), Python.available() else { return }
    let model = try Model(contentsOf: url)
    let ours = try model.graph.inferredShapes()
    let result = try Python.run(
      """
      import sys, json, onnx
      m = onnx.shape_inference.infer_shapes(onnx.load(sys.argv[1], load_external_data=False), data_prop=True)
      out = {}
      for v in list(m.graph.value_info) + list(m.graph.output):
          t = v.type.tensor_type
          if t.HasField('shape'):
              out[v.name] = [d.dim_value if d.HasField('dim_value') else (d.dim_param or None) for d in t.shape.dim]
      print(json.dumps(out))
      """, [url.path])
    try #require(result.status == 0, "\(result.output)")
    let theirs = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: [Any]])
    var compared = 0
    for (value, dims) in theirs {
      guard let mine = ours.shape(of: value) else { continue }
      #expect(mine.count == dims.count, "\(value): ours \(mine.shapeDescription), onnx \(dims)")
      for (ourDim, theirDim) in zip(mine, dims) {
        if case .fixed(let size) = ourDim, let their = theirDim as? Int {
          #expect(size == their, "\(value): ours \(mine.shapeDescription), onnx \(dims)")
          compared += 1
        }
      }
    }
    #expect(compared > 0)
  }
}
