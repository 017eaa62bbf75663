import Foundation
import RecastGraph
import RecastTensor
import Testing

@Suite("Constant nodes and module scopes")
struct ConstantAndScopeTests {
  /// `y = x + c · w`, with `w` and `c` held in Constant nodes (`value` tensor and `value_floats`).
  static func constantModel() -> Model {
    let graph = Graph(
      name: "constants",
      nodes: [
        Node(
          name: "w", opType: "Constant", outputs: ["w"],
          attributes: ["value": .tensor(Tensor(shape: [2], floats: [1, 2]))]),
        Node(name: "c", opType: "Constant", outputs: ["c"], attributes: ["value_floats": .floats([3, 4])]),
        Node(name: "k", opType: "Constant", outputs: ["k"], attributes: ["value_int": .int(7)]),
        Node(name: "mul", opType: "Mul", inputs: ["c", "w"], outputs: ["cw"]),
        Node(name: "add", opType: "Add", inputs: ["x", "cw"], outputs: ["y"]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: ["n", 2])],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: ["n", 2])])
    return Model(graph: graph)
  }

  @Test("Constant nodes are recognised as weights and can become initializers")
  func constants() throws {
    let model = Self.constantModel()
    #expect(model.graph.constantValue(of: "w")?.scalars(as: Float.self) == [1, 2])
    #expect(model.graph.constantValue(of: "c")?.scalars(as: Float.self) == [3, 4])
    #expect(model.graph.constantValue(of: "k")?.scalars(as: Int64.self) == [7])
    #expect(model.graph.constantValue(of: "k")?.shape == [])
    #expect(model.graph.constantValue(of: "y") == nil)

    // Faithful export keeps the Constant nodes.
    let faithful = try Model(serializedBytes: try model.serializedBytes())
    #expect(faithful.graph.opCounts()["Constant"] == 3)

    var normalised = model
    #expect(normalised.graph.promoteConstantsToInitializers() == 3)
    #expect(normalised.graph.nodes.map(\.opType) == ["Mul", "Add"])
    #expect(normalised.graph.initializers.keys == ["w", "c", "k"])
    try normalised.graph.validate()
    #expect(try normalised.graph.inferredShapes().shape(of: "y") == ["n", 2])
  }

  @Test("MiniLM's Constant nodes fold away and the model still checks")
  func miniLMConstants() throws {
    guard let url = SharedModels.url("minilm_l6_v2.onnx") else { return }
    var model = try Model(contentsOf: url)
    let constants = model.graph.opCounts()["Constant"] ?? 0
    #expect(model.graph.promoteConstantsToInitializers() == constants)
    try model.graph.validate()
    #expect(try model.graph.inferredShapes().shape(of: "last_hidden_state") == ["batch", "seq", 384])
  }

  @Test(
    "TorchScript node names give module paths",
    arguments: [
      ("/layer1/layer1.0/bn1/BatchNormalization", "layer1.0.bn1"),
      ("/m/encoder/layer.0/attention/self/query/MatMul", "m.encoder.layer.0.attention.self.query"),
      ("/0/Conv", "0"),
      ("/Flatten", ""),
    ])
  func torchScriptNames(name: String, module: String) {
    let node = Node(name: name, opType: "X")
    #expect(node.moduleName == module)
    #expect(node.moduleType == nil)
  }

  @Test("nodes without scope information have no module")
  func noScope() {
    #expect(Node(name: "Constant_167", opType: "Constant").moduleName == nil)
    #expect(Node(opType: "Relu").moduleScope() == nil)
  }

  @Test("resnet18 nodes map to torchvision module paths")
  func resnet() throws {
    guard let url = SharedModels.url("resnet18_random_bn.onnx") else { return }
    let model = try Model(contentsOf: url)
    let modules = Set(model.graph.nodes.compactMap(\.moduleName))
    #expect(modules.isSuperset(of: ["conv1", "bn1", "layer1.0.conv1", "layer1.0.bn1", "layer4.1.bn2", "fc"]))
    let bn = try #require(model.graph.nodes.first { $0.name == "/layer1/layer1.0/bn1/BatchNormalization" })
    #expect(bn.moduleName == "layer1.0.bn1")
  }

  @Test("dynamo metadata gives module paths and classes")
  func dynamo() throws {
    guard let url = SharedModels.url("digits_cnn_bn.dynamo.onnx") else { return }
    let model = try Model(contentsOf: url)
    let nodes = Dictionary(uniqueKeysWithValues: model.graph.nodes.map { ($0.name, $0) })
    let bn = try #require(nodes["node__native_batch_norm_legit_no_training__0"])
    #expect(bn.moduleScope() == ModuleScope(path: "1", type: "torch.nn.modules.batchnorm.BatchNorm2d"))
    #expect(nodes["node_conv2d"]?.moduleName == "0")
    #expect(nodes["node_conv2d"]?.moduleType == "torch.nn.modules.conv.Conv2d")
    #expect(nodes["node_Expand_3"]?.moduleName == "0")
    #expect(nodes["node_linear_1"]?.moduleScope() == ModuleScope(path: "14", type: "torch.nn.modules.linear.Linear"))
    // The batch-size read sits outside every module.
    #expect(nodes["node_Shape_0"]?.moduleScope() == ModuleScope(path: "", type: nil))
    // The fused Conv keeps its BatchNorm's scope (README "Gotcha").
    if let fusedURL = SharedModels.url("digits_cnn.dynamo.onnx") {
      let fused = try Model(contentsOf: fusedURL)
      let conv = try #require(fused.graph.nodes.first { $0.opType == "Conv" })
      #expect(conv.moduleName == "1")
      #expect(conv.moduleType == "torch.nn.modules.batchnorm.BatchNorm2d")
    }
  }
}
