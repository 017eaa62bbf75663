import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import TestSupport
import Testing

/// Placement on the larger shared models: ResNet-18 (Conv-BN-ReLU, Add-ReLU residuals, pooling) and MiniLM
/// (MatMul+Add linears, LayerNorm, Softmax, shape ops). Checks the plan's invariants in both modes.
@Suite struct PlacementRealModelTests {
  /// Invariants every plan satisfies: ids index the array, at most one `.value` quantizer per value, shared
  /// quantizers point at an owner that shares with nobody, and every referenced value and initializer exists.
  static func checkInvariants(_ plan: QuantizationPlan, sourceLocation: SourceLocation = #_sourceLocation) {
    let produced = Set(plan.graph.nodes.flatMap(\.outputs)).union(plan.graph.inputs.map(\.name))
    var valueSites: Set<String> = []
    for (i, q) in plan.activations.enumerated() {
      #expect(q.id == i, sourceLocation: sourceLocation)
      #expect(produced.contains(q.value), "\(q.value) not in the plan's graph", sourceLocation: sourceLocation)
      if q.site == .value {
        #expect(valueSites.insert(q.value).inserted, "two quantizers on \(q.value)", sourceLocation: sourceLocation)
      }
      if let owner = q.sharesQParamsWith {
        #expect(owner < i && plan.activations[owner].sharesQParamsWith == nil, sourceLocation: sourceLocation)
        #expect(plan.activations[owner].spec == q.spec, sourceLocation: sourceLocation)
      }
    }
    for w in plan.weights {
      let node = plan.graph.nodes.first { $0.name == w.node }
      #expect(node?.inputs[w.slot] == w.initializer, "\(w.displayName)", sourceLocation: sourceLocation)
      #expect(plan.graph.initializers[w.initializer] != nil, sourceLocation: sourceLocation)
    }
    if plan.mode == .graph { #expect(!plan.activations.contains { $0.site != .value }, sourceLocation: sourceLocation) }
  }

  @Test func resnet18() throws {
    guard let model = try PlacementFixtures.sharedModel("resnet18_random_bn.onnx") else { return }
    let graph = try Placement.plan(config: QuantizerConfig(), model: model)
    Self.checkInvariants(graph)
    #expect(!graph.graph.nodes.contains { $0.opType == "BatchNormalization" })
    let patterns = Dictionary(grouping: graph.blocks, by: \.pattern).mapValues(\.count)
    #expect(patterns["conv_bn_relu"] == 9 && patterns["conv_bn"] == 11 && patterns["add_relu"] == 8, "\(patterns)")
    #expect(graph.weights.filter { $0.foldedBatchNorm != nil }.count == 20)
    let eager = try Placement.plan(config: QuantizerConfig(executionMode: .eager), model: model)
    Self.checkInvariants(eager)
    #expect(eager.graph == model.graph)
  }

  @Test func minilm() throws {
    guard let model = try PlacementFixtures.sharedModel("minilm_l6_v2.onnx") else { return }
    for mode in QuantizerConfig.ExecutionMode.allCases {
      let plan = try Placement.plan(config: QuantizerConfig(executionMode: mode), model: model)
      Self.checkInvariants(plan)
      #expect(plan.weights.count >= 36, "\(mode): \(plan.weights.count) weights")
    }
  }
}
