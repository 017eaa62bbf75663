import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import TestSupport

/// Small graphs for config-resolution tests, with dynamo-style module metadata so module names and types are known.
enum ConfigFixtures {
  /// A module level for a node's metadata: path component and class.
  typealias Level = (scope: String, type: String)

  static let linearType = "torch.nn.modules.linear.Linear"
  static let reluType = "torch.nn.modules.activation.ReLU"

  /// A node with `pkg.torch.onnx.name_scopes` / `class_hierarchy` metadata for `levels` under the root.
  static func node(
    _ name: String, _ opType: String, _ inputs: [String], _ outputs: [String], levels: [Level], fx: String,
    attributes: OrderedMap<String, Attribute> = [:]
  ) -> Node {
    let scopes = ["''"] + levels.map { "'\($0.scope)'" } + ["'\(fx)'"]
    let classes = ["'Model'"] + levels.map { "'\($0.type)'" } + ["'aten.\(fx).default'"]
    return Node(
      name: name, opType: opType, inputs: inputs, outputs: outputs, attributes: attributes,
      metadataProps: [
        "pkg.torch.onnx.name_scopes": "[\(scopes.joined(separator: ", "))]",
        "pkg.torch.onnx.class_hierarchy": "[\(classes.joined(separator: ", "))]",
      ])
  }

  static func weight(_ shape: [Int]) -> Tensor { Tensor(zeros: .float32, shape: shape) }

  /// `x[1,64] → enc.fc (Linear 64→32, Gemm transB=1) → enc.act (ReLU) → head (Linear 32→10) → softmax → y`.
  /// Modules: `enc` (class `Encoder`), `enc.fc`, `enc.act`, `head`; ONNX node names `fc_node`, `act_node`,
  /// `head_node`, `softmax_node`.
  static func mlp() -> Model {
    let enc: Level = ("enc", "my.Encoder")
    let nodes = [
      node(
        "fc_node", "Gemm", ["x", "enc.fc.weight", "enc.fc.bias"], ["h1"],
        levels: [enc, ("enc.fc", linearType)], fx: "linear", attributes: ["transB": .int(1)]),
      node("act_node", "Relu", ["h1"], ["h2"], levels: [enc, ("enc.act", reluType)], fx: "relu"),
      node(
        "head_node", "Gemm", ["h2", "head.weight", "head.bias"], ["h3"], levels: [("head", linearType)],
        fx: "linear_1", attributes: ["transB": .int(1)]),
      node("softmax_node", "Softmax", ["h3"], ["y"], levels: [], fx: "softmax"),
    ]
    let graph = Graph(
      nodes: nodes, inputs: [ValueInfo(name: "x", elementType: .float32, shape: [1, 64])],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: [1, 10])],
      initializers: [
        "enc.fc.weight": weight([32, 64]), "enc.fc.bias": weight([32]), "head.weight": weight([10, 32]),
        "head.bias": weight([10]),
      ])
    return Model(graph: graph)
  }

  /// One weighted op on input `x`: `opType` with weight `weightShape` (and `attributes`), output `y`. No metadata.
  static func single(
    _ opType: String, input: [Int], weightShape: [Int], weightSlot: Int = 1,
    attributes: OrderedMap<String, Attribute> = [:], inputType: DataType = .float32
  ) -> Model {
    let inputs = weightSlot == 1 ? ["x", "w"] : ["w", "x"]
    let graph = Graph(
      nodes: [Node(name: "/layer/\(opType)", opType: opType, inputs: inputs, outputs: ["y"], attributes: attributes)],
      inputs: [ValueInfo(name: "x", elementType: inputType, shape: input.map { .fixed($0) })],
      outputs: [ValueInfo(name: "y", elementType: .float32)], initializers: ["w": weight(weightShape)])
    return Model(graph: graph)
  }

  /// The shared model `file` (under `shared/models`), or `nil` (outside CI) when `../shared` is absent.
  static func sharedModel(_ file: String) throws -> Model? {
    guard let shared = Paths.shared else {
      if Paths.isCI { throw CocoaError(.fileNoSuchFile) }
      print("skipping: ../shared is absent, so models/\(file) is not available")
      return nil
    }
    return try Model(contentsOf: shared.appendingPathComponent("models/\(file)"))
  }
}

extension QuantizationSpec {
  static let w4PerChannel0 = QuantizationSpec(
    dtype: .int4, granularity: .perChannel(axis: 0), qparamCalculator: "static")
  static let w8PerChannel0 = QuantizationSpec(
    dtype: .int8, granularity: .perChannel(axis: 0), qparamCalculator: "static")
  static let w2PerChannel0 = QuantizationSpec(
    dtype: .int2, granularity: .perChannel(axis: 0), qparamCalculator: "static")
  static let w8PerTensor = QuantizationSpec(dtype: .int8, granularity: .perTensor, qparamCalculator: "static")
}

extension ModuleQuantizerConfig {
  /// Weight-only scope: activations `null`, `weight` gets `spec`.
  static func weightOnly(_ spec: QuantizationSpec) -> ModuleQuantizerConfig {
    ModuleQuantizerConfig(opInputSpec: .disabled, opOutputSpec: .disabled, opStateSpec: ["weight": spec])
  }
}

extension ConfigResolution {
  /// The resolved `weight` of the op named `name`.
  func weight(of name: String) -> ResolvedTensor? {
    op(named: name)?.state.first { $0.tensor.parameter == "weight" }
  }
}
