import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import TestSupport

/// Small graphs for placement tests, with TorchScript-style node names (`/<module>/<Op>`) so module paths are known.
enum PlacementFixtures {
  /// The shared seeded generator (SplitMix64) for weights and inputs; the seed is in every failure message.
  typealias SeededGenerator = TestSupport.SeededGenerator

  static func random(_ shape: [Int], in range: ClosedRange<Float>, _ rng: inout SeededGenerator) -> Tensor {
    Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float.random(in: range, using: &rng) })
  }

  /// `x[N,2,6,6] → /0/Conv (4×2×3×3, bias) → /1/BatchNormalization → /2/Relu → /3/MaxPool 2 → /4/Flatten →
  /// /5/Gemm (4·3·3 → 5, transB) → /6/Relu → /7/Gemm (5 → 3, transB) → y`, the digits net in miniature.
  static func convNet(seed: UInt64 = 42, convBias: Bool = true) -> Model {
    var rng = SeededGenerator(seed: seed)
    var initializers: OrderedMap<String, Tensor> = [
      "0.weight": random([4, 2, 3, 3], in: -1...1, &rng),
      "1.weight": random([4], in: 0.5...1.5, &rng), "1.bias": random([4], in: -0.5...0.5, &rng),
      "1.running_mean": random([4], in: -0.3...0.3, &rng), "1.running_var": random([4], in: 0.2...2, &rng),
      "5.weight": random([5, 36], in: -0.5...0.5, &rng), "5.bias": random([5], in: -0.1...0.1, &rng),
      "7.weight": random([3, 5], in: -0.5...0.5, &rng), "7.bias": random([3], in: -0.1...0.1, &rng),
    ]
    if convBias { initializers["0.bias"] = random([4], in: -0.2...0.2, &rng) }
    let nodes = [
      Node(
        name: "/0/Conv", opType: "Conv", inputs: ["x", "0.weight"] + (convBias ? ["0.bias"] : []), outputs: ["c0"],
        attributes: ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])]),
      Node(
        name: "/1/BatchNormalization", opType: "BatchNormalization",
        inputs: ["c0", "1.weight", "1.bias", "1.running_mean", "1.running_var"], outputs: ["b1"],
        attributes: ["epsilon": .float(1e-5)]),
      Node(name: "/2/Relu", opType: "Relu", inputs: ["b1"], outputs: ["r2"]),
      Node(
        name: "/3/MaxPool", opType: "MaxPool", inputs: ["r2"], outputs: ["p3"],
        attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]),
      Node(name: "/4/Flatten", opType: "Flatten", inputs: ["p3"], outputs: ["f4"]),
      Node(
        name: "/5/Gemm", opType: "Gemm", inputs: ["f4", "5.weight", "5.bias"], outputs: ["g5"],
        attributes: ["transB": .int(1)]),
      Node(name: "/6/Relu", opType: "Relu", inputs: ["g5"], outputs: ["r6"]),
      Node(
        name: "/7/Gemm", opType: "Gemm", inputs: ["r6", "7.weight", "7.bias"], outputs: ["y"],
        attributes: ["transB": .int(1)]),
    ]
    let graph = Graph(
      nodes: nodes, inputs: [ValueInfo(name: "x", elementType: .float32, shape: [.symbolic("N"), 2, 6, 6])],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: [.symbolic("N"), 3])], initializers: initializers)
    return Model(graph: graph)
  }

  /// `x[1,4] → /fc/Gemm → /act/<activation> → /head/Gemm → y`: a known-range or plain activation between two
  /// linears.
  static func linearActivation(_ activation: String) -> Model {
    var rng = SeededGenerator(seed: 7)
    let nodes = [
      Node(
        name: "/fc/Gemm", opType: "Gemm", inputs: ["x", "fc.weight"], outputs: ["h"],
        attributes: ["transB": .int(1)]),
      Node(name: "/act/\(activation)", opType: activation, inputs: ["h"], outputs: ["a"]),
      Node(
        name: "/head/Gemm", opType: "Gemm", inputs: ["a", "head.weight"], outputs: ["y"],
        attributes: ["transB": .int(1)]),
    ]
    let graph = Graph(
      nodes: nodes, inputs: [ValueInfo(name: "x", elementType: .float32, shape: [1, 4])],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: [1, 2])],
      initializers: ["fc.weight": random([4, 4], in: -1...1, &rng), "head.weight": random([2, 4], in: -1...1, &rng)])
    return Model(graph: graph)
  }

  /// `a, b [1,4] → /blk/Add → /blk/Relu → /out/Div (by 2) → y`: Add-ReLU, and a Div with no pattern.
  static func addRelu() -> Model {
    let nodes = [
      Node(name: "/blk/Add", opType: "Add", inputs: ["a", "b"], outputs: ["s"]),
      Node(name: "/blk/Relu", opType: "Relu", inputs: ["s"], outputs: ["r"]),
      Node(name: "/out/Mul", opType: "Mul", inputs: ["r", "two"], outputs: ["y"]),
    ]
    let info = { (name: String) in ValueInfo(name: name, elementType: .float32, shape: [1, 4]) }
    let graph = Graph(
      nodes: nodes, inputs: [info("a"), info("b")], outputs: [info("y")],
      initializers: ["two": Tensor(shape: [], floats: [2])])
    return Model(graph: graph)
  }

  /// The shared digits model `file`, or `nil` when `../shared` is absent outside CI.
  static func sharedModel(_ file: String) throws -> Model? { try ConfigFixtures.sharedModel(file) }
}

extension QuantizationPlan {
  /// The activation quantizer on `value` at `.value`.
  func quantizer(on value: String) -> ActivationQuantizer? {
    activations.first { $0.value == value && $0.site == .value }
  }

  /// Every activation quantizer on `value` (any site).
  func quantizers(on value: String) -> [ActivationQuantizer] { activations.filter { $0.value == value } }
}
