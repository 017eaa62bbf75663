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

  @Test("onnx.checker accepts every exported model (full_check)", arguments: SharedModels.names)
  func checkerAcceptsExport(name: String) throws {
    guard let url = SharedModels.url(name), Python.available() else { return }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let model = try Model(contentsOf: url)
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
}
