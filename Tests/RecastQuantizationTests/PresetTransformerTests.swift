import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import Testing

/// The transformer-oriented presets: `w8a8AsymMatMul()` (MatMul inputs and weights only) and
/// `w8a8AsymFloatResidual()` (residual stream float), on small graphs.
@Suite struct PresetTransformerTests {
  /// `w8a8AsymMatMul()`: quantizers on MatMul inputs and weights only, uint8 asymmetric.
  @Test func matMulOnlyPresetQuantizesMatMulInputs() throws {
    let plan = try Placement.plan(config: QuantizerConfig.presets.w8a8AsymMatMul(), model: PlacementAttentionMaskTests.attention())
    #expect(Set(plan.activations.map(\.value)) == ["x", "p"])
    #expect(plan.activations.allSatisfy { $0.spec.dtype == .uint8 && $0.spec.qscheme == .asymmetric })
    #expect(plan.weights.map(\.initializer) == ["w"])
    #expect(plan.weights.first?.spec.dtype == .int8)
  }

  /// `w8a8AsymFloatResidual()` on `x → linear (MatMul + bias Add) → h; r = h + x; y = LayerNorm(r)`: only the
  /// linear's input and the LayerNorm output are quantized.
  @Test func floatResidualPresetLeavesTheResidualSumFloat() throws {
    var rng = PlacementFixtures.SeededGenerator(seed: 3)
    let nodes = [
      Node(name: "/fc/MatMul", opType: "MatMul", inputs: ["x", "w"], outputs: ["m"]),
      Node(name: "/fc/Add", opType: "Add", inputs: ["b", "m"], outputs: ["h"]),
      Node(name: "/res/Add", opType: "Add", inputs: ["h", "x"], outputs: ["r"]),
      Node(
        name: "/ln/LayerNormalization", opType: "LayerNormalization", inputs: ["r", "gamma", "beta"], outputs: ["y"],
        attributes: ["axis": .int(-1)]),
    ]
    let graph = Graph(
      nodes: nodes, inputs: [ValueInfo(name: "x", elementType: .float32, shape: [1, 2, 4])],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: [1, 2, 4])],
      initializers: [
        "w": PlacementFixtures.random([4, 4], in: -1...1, &rng), "b": PlacementFixtures.random([4], in: -1...1, &rng),
        "gamma": Tensor(shape: [4], floats: [1, 1, 1, 1]), "beta": Tensor(shape: [4], floats: [0, 0, 0, 0]),
      ])
    let model = Model(graph: graph)
    let plan = try Placement.plan(config: QuantizerConfig.presets.w8a8AsymFloatResidual(), model: model)
    #expect(Set(plan.activations.map(\.value)) == ["x", "y"])
    #expect(plan.weights.map(\.initializer) == ["w"])
    let full = try Placement.plan(config: QuantizerConfig.presets.w8a8Asym(), model: model)
    #expect(Set(full.activations.map(\.value)) == ["x", "h", "r", "y"])
  }
}
