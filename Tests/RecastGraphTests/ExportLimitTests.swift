import RecastGraph
import RecastTensor
import Testing

/// Export refuses models whose tensors exceed what one ONNX file can hold, with a message saying why.
@Suite struct ExportLimitTests {
  @Test func oversizedModelIsAClearError() throws {
    var graph = Graph(name: "g")
    graph.initializers["w"] = Tensor(zeros: .float32, shape: [1024])
    graph.inputs = [ValueInfo(name: "x", elementType: .float32, shape: [.fixed(1024)])]
    graph.outputs = [ValueInfo(name: "y", elementType: .float32, shape: [.fixed(1024)])]
    graph.nodes = [Node(name: "add", opType: "Add", inputs: ["x", "w"], outputs: ["y"])]
    let model = Model(graph: graph)
    #expect(try model.serializedBytes(limit: 8192).count > 4096)  // 4 KiB of weights fit under 8 KiB
    do {
      _ = try model.serializedBytes(limit: 4096)
      Issue.record("a model over the limit must not serialize")
    } catch {
      #expect(error.message.contains("4096 bytes"))
      #expect(error.message.contains("external data"))
    }
  }
}
