import Foundation
import RecastGraph
import RecastTensor
import Testing

@Suite("Graph rewriting")
struct GraphEditingTests {
  @Test("producers, consumers and a stable topological order")
  func lookups() throws {
    var model = GraphFixtures.linearRelu()
    #expect(model.graph.producer(of: "h") == 0)
    #expect(model.graph.producerIndex() == ["h": 0, "y": 1])
    #expect(model.graph.consumers(of: "h") == [ValueUse(node: 1, input: 0)])
    #expect(model.graph.consumerIndex()["W"] == [ValueUse(node: 0, input: 1)])
    #expect(try model.graph.topologicalOrder() == [0, 1])
    model.graph.nodes.reverse()
    try model.graph.sortTopologically()
    #expect(model.graph.nodes.map(\.opType) == ["Gemm", "Relu"])
  }

  @Test("inserting a Q/DQ pair on an edge and exporting it")
  func insertQDQ() throws {
    var graph = GraphFixtures.linearRelu().graph
    let q = graph.uniqueName("h_quantized")
    let dq = graph.uniqueName("h_dequantized")
    graph.initializers["h_scale"] = Tensor(shape: [], floats: [0.1])
    graph.initializers["h_zero_point"] = Tensor(shape: [], scalars: [UInt8(0)], dtype: .uint8)
    let qIndex = graph.insertNode(
      Node(name: "h_QuantizeLinear", opType: "QuantizeLinear", inputs: ["h", "h_scale", "h_zero_point"], outputs: [q]))
    let dqIndex = graph.insertNode(
      Node(
        name: "h_DequantizeLinear", opType: "DequantizeLinear", inputs: [q, "h_scale", "h_zero_point"], outputs: [dq]))
    graph.replaceUses(of: "h", with: dq, except: [qIndex, dqIndex])
    try graph.validate()
    #expect(graph.nodes.map(\.opType) == ["Gemm", "QuantizeLinear", "DequantizeLinear", "Relu"])
    #expect(graph.nodes[3].inputs == [dq])
    let shapes = try graph.inferredShapes()
    #expect(shapes.values[q]?.elementType == .uint8)
    #expect(shapes.shape(of: "y") == ["batch", 2])
    let again = try Model(serializedBytes: try Model(graph: graph).serializedBytes())
    #expect(again.graph == graph)
  }

  @Test("renaming a value reaches producers, consumers, outputs and initializers")
  func rename() throws {
    var graph = GraphFixtures.linearRelu().graph
    graph.renameValue("h", to: "hidden")
    graph.renameValue("W", to: "fc.weight")
    graph.renameValue("y", to: "logits")
    #expect(graph.nodes[0].outputs == ["hidden"])
    #expect(graph.nodes[1].inputs == ["hidden"])
    #expect(graph.nodes[0].inputs == ["x", "fc.weight", "b"])
    #expect(graph.initializers.keys == ["fc.weight", "b"])
    #expect(graph.outputs[0].name == "logits")
    try graph.validate()
    #expect(graph.uniqueName("hidden") == "hidden_1")
    graph.initializers["unused"] = Tensor(shape: [1], floats: [0])
    #expect(graph.removeUnusedInitializers() == ["unused"])
  }

  @Test("subgraph reads of outer values count as uses and dependencies")
  func subgraphs() throws {
    let branch = Graph(
      name: "then", nodes: [Node(opType: "Identity", inputs: ["h"], outputs: ["t"])],
      outputs: [ValueInfo(name: "t", elementType: .float32)])
    var graph = GraphFixtures.linearRelu().graph
    graph.initializers["cond"] = Tensor(shape: [], scalars: [UInt8(1)], dtype: .bool)
    graph.nodes.insert(
      Node(
        name: "if", opType: "If", inputs: ["cond"], outputs: ["z"],
        attributes: ["then_branch": .graph(branch), "else_branch": .graph(branch)]), at: 0)
    graph.outputs.append(ValueInfo(name: "z", elementType: .float32))
    #expect(graph.consumers(of: "h").contains(ValueUse(node: 0, input: nil)))
    try graph.sortTopologically()
    #expect(graph.nodes.map(\.opType) == ["Gemm", "If", "Relu"])
    try graph.validate()
    graph.renameValue("h", to: "hh")
    #expect(graph.nodes[1].subgraphs[0].nodes[0].inputs == ["hh"])
    let model = Model(graph: graph)
    #expect(try Model(serializedBytes: try model.serializedBytes()) == model)
  }

  @Test("write replaces the file atomically and leaves no temporary file")
  func atomicWrite() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let url = folder.file("model.onnx")
    try Data("old".utf8).write(to: url)
    let model = GraphFixtures.linearRelu()
    try model.write(to: url)
    #expect(try Model(contentsOf: url) == model)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["model.onnx"])
    let error = try #require(throws: GraphError.self) { try model.write(to: folder.file("no/such/dir/m.onnx")) }
    #expect(error.kind == .io)
  }
}
