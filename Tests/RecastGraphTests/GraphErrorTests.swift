import Foundation
import RecastGraph
import RecastTensor
import Testing

@Suite("Errors on bad models")
struct GraphErrorTests {
  @Test("a truncated file is a corrupt-protobuf error naming the file")
  func truncated() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let bytes = try GraphFixtures.linearRelu().serializedBytes()
    for length in [bytes.count / 2, bytes.count - 3, 7] {
      let url = folder.file("truncated-\(length).onnx")
      try Data(bytes.prefix(length)).write(to: url)
      let error = try #require(throws: GraphError.self) { try Model(contentsOf: url) }
      #expect(error.kind == .corruptProtobuf, "\(error)")
      #expect(error.description.hasPrefix(url.path + ": error: "), "\(error)")
    }
  }

  @Test("empty, missing and non-ONNX files")
  func notAModel() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let empty = folder.file("empty.onnx")
    try Data().write(to: empty)
    #expect(throws: GraphError.self) { try Model(contentsOf: empty) }
    let missing = try #require(throws: GraphError.self) { try Model(contentsOf: folder.file("nope.onnx")) }
    #expect(missing.kind == .io)
    #expect(missing.description.contains("nope.onnx"))
    let yaml = folder.file("recipe.onnx")
    try Data("stages:\n  - quantize: int8\n".utf8).write(to: yaml)
    let error = try #require(throws: GraphError.self) { try Model(contentsOf: yaml) }
    #expect(error.kind == .corruptProtobuf)
  }

  @Test("a dangling node input names the node and the value")
  func dangling() throws {
    var model = GraphFixtures.linearRelu()
    model.graph.nodes[1].inputs = ["h_typo"]
    let error = try #require(throws: GraphError.self) { try model.graph.validate() }
    #expect(error.kind == .danglingInput)
    #expect(error.message.contains("'/act/Relu' (Relu)"))
    #expect(error.message.contains("'h_typo'"))
    // The same through import of the serialized bytes.
    let bytes = try model.serializedBytes()
    #expect(throws: GraphError.self) { try Model(serializedBytes: bytes) }
    #expect(try Model(serializedBytes: bytes, validate: false).graph.nodes.count == 2)
  }

  @Test("a missing initializer is reported with the node that needs it")
  func missingInitializer() throws {
    var model = GraphFixtures.linearRelu()
    model.graph.initializers.removeValue(forKey: "W")
    #expect(throws: GraphError.self) { try model.graph.validate() }
    let gemm = model.graph.nodes[0]
    let error = try #require(throws: GraphError.self) { try model.graph.requireInitializer("W", for: gemm) }
    #expect(error.kind == .missingInitializer)
    #expect(error.message == "initializer 'W' needed by node '/fc/Gemm' (Gemm) is missing")
  }

  @Test("two producers of one value")
  func duplicateProducer() throws {
    var model = GraphFixtures.linearRelu()
    model.graph.nodes.append(Node(name: "again", opType: "Relu", inputs: ["x"], outputs: ["h"]))
    let error = try #require(throws: GraphError.self) { try model.graph.validate() }
    #expect(error.kind == .duplicateProducer)
    #expect(error.message.contains("'h'"))
  }

  @Test("a cycle names a node on it")
  func cycle() throws {
    let graph = Graph(
      name: "loop",
      nodes: [
        Node(name: "a", opType: "Add", inputs: ["x", "c"], outputs: ["a_out"]),
        Node(name: "b", opType: "Relu", inputs: ["a_out"], outputs: ["b_out"]),
        Node(name: "c", opType: "Neg", inputs: ["b_out"], outputs: ["c"]),
        Node(name: "d", opType: "Identity", inputs: ["b_out"], outputs: ["y"]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: [1])],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: [1])])
    let error = try #require(throws: GraphError.self) { try graph.topologicalOrder() }
    #expect(error.kind == .cycle)
    #expect(error.message.contains("'a' (Add)"))
    #expect(error.message.contains("'c' (Neg)"))
    #expect(throws: GraphError.self) { try graph.validate() }
  }

  @Test("unsupported features are rejected clearly")
  func unsupported() throws {
    guard Python.available() else { return }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let made = try Python.run(
      """
      import sys, onnx
      from onnx import helper, TensorProto as T
      seq = helper.make_tensor_sequence_value_info("s", T.FLOAT, None)
      y = helper.make_tensor_value_info("y", T.FLOAT, None)
      g = helper.make_graph([helper.make_node("SequenceAt", ["s", "i"], ["y"])], "g", [seq], [y],
                            initializer=[helper.make_tensor("i", T.INT64, [], [0])])
      onnx.save(helper.make_model(g), sys.argv[1])
      strings = helper.make_graph([], "g", [], [helper.make_tensor_value_info("t", T.STRING, [1])],
                                  initializer=[helper.make_tensor("t", T.STRING, [1], [b"hi"])])
      onnx.save(helper.make_model(strings), sys.argv[2])
      """, [folder.file("sequence.onnx").path, folder.file("strings.onnx").path])
    try #require(made.status == 0, "\(made.output)")
    let sequence = try #require(throws: GraphError.self) { try Model(contentsOf: folder.file("sequence.onnx")) }
    #expect(sequence.kind == .unsupported)
    #expect(sequence.message.contains("'s'"))
    let strings = try #require(throws: GraphError.self) { try Model(contentsOf: folder.file("strings.onnx")) }
    #expect(strings.kind == .unsupported)
    #expect(strings.message.contains("tensor 't'"))
  }

  @Test("shape inference names the node and both shapes on a mismatch")
  func shapeMismatch() throws {
    var model = GraphFixtures.linearRelu()
    model.graph.initializers["W"] = Tensor(shape: [2, 5], floats: Array(repeating: 0, count: 10))
    let error = try #require(throws: GraphError.self) { try model.graph.inferredShapes() }
    #expect(error.kind == .shapeInference)
    #expect(error.message.contains("'/fc/Gemm'"))
    #expect(error.message.contains("[batch, 3]"))
    #expect(error.message.contains("[2, 5]"))
  }
}
