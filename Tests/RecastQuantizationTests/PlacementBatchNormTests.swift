import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import TestSupport
import Testing

/// Graph mode folds BatchNormalization into the Conv before it; eager mode keeps it. The folded float graph must
/// compute what the original computes.
@Suite struct PlacementBatchNormTests {
  /// Largest |a − b| over two float tensors of equal shape.
  static func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.scalars(as: Float.self), b.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
  }

  /// Runs `graph` and the original model on `input` and returns the largest output difference.
  static func foldingError(_ model: Model, plan: QuantizationPlan, input: Tensor) throws -> Float {
    let name = model.graph.runtimeInputs[0].name
    let output = model.graph.outputs[0].name
    let original = try Executor(model).run([name: input])[output]
    let folded = try Executor(graph: plan.graph, opset: model.defaultOpset ?? 17).run([name: input])[output]
    return maxAbsDifference(try #require(original), try #require(folded))
  }

  @Test(arguments: [true, false])
  func foldedGraphMatchesOriginal(convBias: Bool) throws {
    let seed: UInt64 = 42
    let model = PlacementFixtures.convNet(seed: seed, convBias: convBias)
    let plan = try Placement.plan(config: QuantizerConfig(), model: model)
    #expect(!plan.graph.nodes.contains { $0.opType == "BatchNormalization" })
    let conv = try #require(plan.graph.nodes.first { $0.opType == "Conv" })
    #expect(conv.inputs[1] == "0.weight.folded")
    #expect(conv.inputs[2] == "0.bias.folded")
    #expect(conv.outputs == ["b1"], "the Conv now writes the BN's output")
    #expect(plan.graph.initializers["0.weight"] == nil && plan.graph.initializers["1.running_var"] == nil)
    let weight = try #require(plan.weights.first { $0.displayName == "0.weight" })
    #expect(weight.initializer == "0.weight.folded" && weight.foldedBatchNorm == "/1/BatchNormalization")
    #expect(weight.node == "/0/Conv" && weight.slot == 1)

    var rng = PlacementFixtures.SeededGenerator(seed: seed &+ 1)
    let input = PlacementFixtures.random([3, 2, 6, 6], in: -1...1, &rng)
    // Outputs are O(1); the folded weights are rounded once from Double, so float32 reassociation in the Conv is
    // the only error source: a few ULPs of the accumulated sums, far below 1e-4.
    let error = try Self.foldingError(model, plan: plan, input: input)
    #expect(error < 1e-4, "seed \(seed): max |folded − original| = \(error)")
  }

  @Test func foldedWeightsFollowTheFormula() throws {
    let model = PlacementFixtures.convNet(convBias: true)
    let plan = try Placement.plan(config: QuantizerConfig(), model: model)
    let g = model.graph.initializers
    func values(_ name: String) throws -> [Float] { try #require(g[name]).scalars(as: Float.self) }
    let (w, b) = (try values("0.weight"), try values("0.bias"))
    let (gamma, beta, mean, variance) = (
      try values("1.weight"), try values("1.bias"), try values("1.running_mean"), try values("1.running_var")
    )
    let folded = try #require(plan.graph.initializers["0.weight.folded"]).scalars(as: Float.self)
    let foldedBias = try #require(plan.graph.initializers["0.bias.folded"]).scalars(as: Float.self)
    for o in 0..<4 {
      let s = Double(gamma[o]) / (Double(variance[o]) + 1e-5).squareRoot()
      // Rounded once from Double: equal to within one float32 ULP of the result.
      #expect(abs(Double(foldedBias[o]) - ((Double(b[o]) - Double(mean[o])) * s + Double(beta[o]))) < 1e-6)
      for i in (o * 18)..<((o + 1) * 18) { #expect(abs(Double(folded[i]) - Double(w[i]) * s) < 1e-6) }
    }
  }

  @Test func eagerModeKeepsBatchNorm() throws {
    let model = PlacementFixtures.convNet()
    let plan = try Placement.plan(config: QuantizerConfig(executionMode: .eager), model: model)
    #expect(plan.graph == model.graph)
    let weight = try #require(plan.weights.first { $0.eagerName == "0.parametrizations.weight.0" })
    #expect(weight.initializer == "0.weight" && weight.foldedBatchNorm == nil)
    #expect(plan.blocks.isEmpty)
  }

  @Test func foldingCanBeTurnedOff() throws {
    let model = PlacementFixtures.convNet()
    let plan = try Placement.plan(
      config: QuantizerConfig(), model: model, options: Placement.Options(foldBatchNorm: false))
    #expect(plan.graph.nodes.contains { $0.opType == "BatchNormalization" })
    #expect(plan.weights.allSatisfy { $0.foldedBatchNorm == nil })
  }

  /// Both digits exports: the dynamo one builds its zero conv biases with Shape/Expand/CastLike nodes, which
  /// folding evaluates and removes.
  @Test(arguments: ["digits_cnn_bn.onnx", "digits_cnn_bn.dynamo.onnx"])
  func digitsFoldedGraphMatchesOriginal(file: String) throws {
    guard let model = try PlacementFixtures.sharedModel(file), let shared = Paths.shared else { return }
    let plan = try Placement.plan(config: QuantizerConfig(), model: model)
    #expect(!plan.graph.nodes.contains { $0.opType == "BatchNormalization" })
    #expect(!plan.graph.nodes.contains { $0.opType == "CastLike" || $0.opType == "Expand" })
    let convWeights = plan.weights.filter { $0.foldedBatchNorm != nil }.map(\.initializer).sorted()
    #expect(convWeights == ["0.weight.folded", "3.weight.folded", "7.weight.folded"])
    let images = try NPY.read(contentsOf: shared.appendingPathComponent("models/digits_test_x.npy"))
    let batch = try images.sliced(starts: [0], ends: [64], axes: [0])
    // Logits are O(10); float32 reassociation across three folded convs and two linears stays near 1e-5.
    let error = try Self.foldingError(model, plan: plan, input: batch)
    #expect(error < 1e-4, "max |folded − original| over 64 test images = \(error)")
  }
}
