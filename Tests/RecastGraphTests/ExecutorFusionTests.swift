import Foundation
import RecastTensor
import Testing

@testable import RecastGraph

/// Conv + BatchNormalization + Relu fusion: runs without an observer take the fused plan and must match the
/// unfused one (which observed runs take); values read elsewhere keep their nodes.
@Suite struct ExecutorFusionTests {
  static func random(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(Double(state >> 40) / Double(1 << 24)) * 2 - 1
    }
  }

  /// `x [N, 2, 5, 5] → Conv 3×3 (pad 1, optional bias) → BatchNormalization → Relu → y`, with `extraOutputs`
  /// also exposed as graph outputs.
  static func convBnRelu(bias: Bool, extraOutputs: [String] = []) -> Graph {
    var conv = ["x", "W"]
    var initializers: OrderedMap<String, Tensor> = [
      "W": Tensor(shape: [4, 2, 3, 3], floats: random(72, seed: 1)),
      "scale": Tensor(shape: [4], floats: random(4, seed: 2).map { $0 + 1.5 }),
      "shift": Tensor(shape: [4], floats: random(4, seed: 3)),
      "mean": Tensor(shape: [4], floats: random(4, seed: 4)),
      "var": Tensor(shape: [4], floats: random(4, seed: 5).map { $0 + 1.2 }),
    ]
    if bias {
      conv.append("B")
      initializers["B"] = Tensor(shape: [4], floats: random(4, seed: 6))
    }
    return Graph(
      nodes: [
        Node(
          opType: "Conv", inputs: conv, outputs: ["c"],
          attributes: ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])]),
        Node(
          opType: "BatchNormalization", inputs: ["c", "scale", "shift", "mean", "var"], outputs: ["n"],
          attributes: ["epsilon": .float(1e-3)]),
        Node(opType: "Relu", inputs: ["n"], outputs: ["y"]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: ["batch", 2, 5, 5])],
      outputs: (["y"] + extraOutputs).map { ValueInfo(name: $0, elementType: .float32) },
      initializers: initializers)
  }

  /// Largest absolute difference between the fused run and the observed (unfused) run of `graph`, per output.
  static func fusedDifference(_ graph: Graph, batch: Int) throws -> [String: Float] {
    let executor = try Executor(graph: graph, opset: 17)
    let x = Tensor(shape: [batch, 2, 5, 5], floats: random(batch * 50, seed: 7))
    let fused = try executor.run(["x": x])
    let plain = try executor.run(["x": x]) { _, _ in }
    var worst: [String: Float] = [:]
    for (name, value) in plain {
      let other = try #require(fused[name])
      #expect(other.shape == value.shape)
      worst[name] = zip(other.floats(), value.floats()).map { abs($0 - $1) }.max() ?? 0
    }
    return worst
  }

  @Test(arguments: [(true, 1), (false, 1), (true, 9)])
  func fusedConvMatchesUnfused(bias: Bool, batch: Int) throws {
    let graph = Self.convBnRelu(bias: bias)
    let fused = try #require(InferenceFusion.fuse(graph))
    #expect(fused.nodes.map(\.opType) == ["Conv"])
    #expect(fused.nodes[0].outputs == ["y"])
    let worst = try Self.fusedDifference(graph, batch: batch)
    #expect(worst["y"]! < 1e-5)
  }

  @Test func valuesReadElsewhereAreKept() throws {
    // The BatchNormalization output is a graph output: BN folds into the Conv, Relu stays separate.
    let bnShown = Self.convBnRelu(bias: true, extraOutputs: ["n"])
    #expect(try #require(InferenceFusion.fuse(bnShown)).nodes.map(\.opType) == ["Conv", "Relu"])
    #expect(try Self.fusedDifference(bnShown, batch: 2).values.allSatisfy { $0 < 1e-5 })
    // The Conv output is a graph output: nothing fuses.
    #expect(InferenceFusion.fuse(Self.convBnRelu(bias: false, extraOutputs: ["c"])) == nil)
  }

  @Test func observersStillSeeEveryValue() throws {
    let executor = try Executor(graph: Self.convBnRelu(bias: true), opset: 17)
    var seen: [String] = []
    _ = try executor.run(["x": Tensor(zeros: .float32, shape: [1, 2, 5, 5])]) { name, _ in seen.append(name) }
    #expect(seen == ["c", "n", "y"])
  }

  @Test func customKernelsDisableFusion() throws {
    let relu = CustomKernel(domain: "", opType: "Relu") { _ in { inputs in [inputs[0]!] } }
    let executor = try Executor(graph: Self.convBnRelu(bias: true), opset: 17, options: .init(customKernels: [relu]))
    #expect(executor.fusedPlan == nil)
  }
}
