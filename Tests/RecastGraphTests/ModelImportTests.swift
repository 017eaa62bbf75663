import Foundation
import RecastGraph
import RecastTensor
import Testing

@Suite("Importing the shared models")
struct ModelImportTests {
  @Test("op counts, inputs and outputs match manifest.json", arguments: SharedModels.names)
  func matchesManifest(name: String) throws {
    guard let url = SharedModels.url(name) else { return }
    let model = try Model(contentsOf: url)
    let entry = try #require(try SharedModels.manifest(name))
    #expect(model.graph.opCounts() == entry.ops)
    #expect(model.graph.nodes.count == entry.nodes)
    #expect(model.graph.initializers.count == entry.initializers)
    #expect(model.graph.runtimeInputs.map(\.name) == entry.inputs.map(\.name))
    #expect(model.graph.runtimeInputs.map { $0.shape?.map(\.description) ?? [] } == entry.inputs.map(\.shape))
    #expect(model.graph.outputs.map(\.name) == entry.outputs.map(\.name))
    #expect(model.graph.outputs.map { $0.shape?.map(\.description) ?? [] } == entry.outputs.map(\.shape))
  }

  @Test(
    "import → export → import is the identity; exporting twice gives the same bytes", arguments: SharedModels.names)
  func roundTrip(name: String) throws {
    guard let url = SharedModels.url(name) else { return }
    let model = try Model(contentsOf: url)
    let bytes = try model.serializedBytes()
    let again = try Model(serializedBytes: bytes)
    #expect(again == model)
    #expect(try again.serializedBytes() == bytes)
  }

  @Test(
    "onnx.checker accepts every exported model (full_check), with our inferred value_info added",
    arguments: SharedModels.names)
  func checkerAcceptsExport(name: String) throws {
    guard let url = SharedModels.url(name), Python.available() else { return }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    var model = try Model(contentsOf: url)
    // full_check runs onnx's strict shape inference, which fails on value_info that contradicts its own.
    try model.graph.inferShapes()
    let out = folder.file(name)
    try model.write(to: out)
    let result = try Python.run(
      """
      import sys, onnx
      onnx.checker.check_model(sys.argv[1], full_check=True)
      m = onnx.load(sys.argv[1])
      print(len(m.graph.node))
      """, [out.path])
    #expect(result.status == 0, "\(result.output)")
    #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(model.graph.nodes.count)")
  }

  @Test(
    "onnxruntime gives identical logits for the original and the exported digits models",
    arguments: SharedModels.digits)
  func onnxruntimeAgrees(name: String) throws {
    guard let url = SharedModels.url(name), let folder = SharedModels.folder, Python.available() else { return }
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let out = temporary.file(name)
    try Model(contentsOf: url).write(to: out)
    let result = try Python.run(
      """
      import sys, numpy as np, onnxruntime as ort
      x = np.load(sys.argv[3])
      run = lambda p: ort.InferenceSession(p, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
      a, b = run(sys.argv[1]), run(sys.argv[2])
      assert a.shape == (len(x), 10) and np.array_equal(a, b), float(np.abs(a - b).max())
      print("ok")
      """, [url.path, out.path, folder.appendingPathComponent("digits_test_x.npy").path])
    #expect(result.status == 0 && result.output.contains("ok"), "\(result.output)")
  }
}
