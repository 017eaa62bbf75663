import RecastGraph
import RecastTensor

/// Small graphs built in Swift, for tests that must run without `../shared`.
enum GraphFixtures {
  /// `y = Relu(x · W + b)` with `W` and `b` as initializers, `x: float [batch, 3]`.
  static func linearRelu() -> Model {
    let graph = Graph(
      name: "linear",
      nodes: [
        Node(
          name: "/fc/Gemm", opType: "Gemm", inputs: ["x", "W", "b"], outputs: ["h"], attributes: ["transB": .int(1)]),
        Node(name: "/act/Relu", opType: "Relu", inputs: ["h"], outputs: ["y"]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: ["batch", 3])],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: ["batch", 2])],
      initializers: [
        "W": Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]),
        "b": Tensor(shape: [2], floats: [0.5, -0.5]),
      ])
    return Model(graph: graph, opsetImports: ["": 17])
  }
}
