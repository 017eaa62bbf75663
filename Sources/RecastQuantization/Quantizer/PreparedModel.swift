import Foundation
public import RecastGraph
public import RecastTensor

/// A model with quantizers inserted, callable like a function: `try prepared(["input": batch])`.
///
/// Each activation site runs an `ai.recast` `FakeQuantize` node inside the executor: it observes the value when
/// observers are on and returns `DQ(Q(x))` with the quantizer's current qparams when fake-quant is on (else `x`).
/// Weights are fake-quantized once, when the model is prepared. Two compiled executors share the quantizers'
/// state: with fake-quant on the one with fake-quantized weights (and int32-rounded biases) runs; with it off the
/// one with the float weights, so the outputs equal the float model's exactly. The cost of a batch is one float
/// forward plus, per site, a min/max reduction (observing) and/or one fake-quant pass.
public struct PreparedModel: Sendable {
  /// The graph that runs with fake-quant on (float graph, fake-quantized weights, `ai.recast` nodes at sites), as
  /// of the last `prepare` or `trainingMode` exit.
  public var graph: Graph { executors.current.graph }
  let executors: PreparedExecutors
  let state: QuantizerState

  init(floatGraph: Graph, quantizedGraph: Graph, opset: Int, kernels: [CustomKernel], state: QuantizerState) throws {
    executors = PreparedExecutors(
      try .init(floatGraph: floatGraph, quantizedGraph: quantizedGraph, opset: opset, kernels: kernels))
    self.state = state
  }

  /// Runs one batch: graph outputs by name.
  public func callAsFunction(_ inputs: [String: Tensor]) throws -> [String: Tensor] {
    let pair = executors.current
    return try (state.isFakeQuantEnabled ? pair.quantized : pair.float).run(inputs)
  }

  /// The graph inputs the model expects.
  public var inputs: [ValueInfo] { executors.current.quantized.inputs }
}

/// The two compiled executors of a prepared model, replaced together when QAT changes the weights (so a
/// `PreparedModel` value the caller holds evaluates the trained weights after `Quantizer.trainingMode`).
///
/// `@unchecked Sendable`: `pair` is read and written under `lock` only.
final class PreparedExecutors: @unchecked Sendable {
  struct Pair: Sendable {
    let graph: Graph
    let quantized: Executor
    let float: Executor

    init(floatGraph: Graph, quantizedGraph: Graph, opset: Int, kernels: [CustomKernel]) throws {
      let options = Executor.Options(customKernels: kernels)
      graph = quantizedGraph
      quantized = try Executor(graph: quantizedGraph, opset: opset, options: options)
      float = try Executor(graph: floatGraph, opset: opset, options: options)
    }
  }

  private let lock = NSLock()
  private var pair: Pair

  init(_ pair: Pair) { self.pair = pair }

  var current: Pair {
    get { lock.withLock { pair } }
    set { lock.withLock { pair = newValue } }
  }
}

/// The `ai.recast` ops a prepared model runs.
enum RecastOps {
  static let domain = "ai.recast"

  /// `FakeQuantize(x) → x̂` with attribute `quantizer` (activation quantizer id).
  static func fakeQuantize(state: QuantizerState) -> CustomKernel {
    CustomKernel(domain: domain, opType: "FakeQuantize") { node in
      let id = node.int("quantizer", default: -1)
      guard id >= 0, id < state.root.count else {
        throw QuantizationError("node \(node.label): no activation quantizer \(id)")
      }
      return { inputs in
        guard let x = inputs.first ?? nil else { throw QuantizationError("FakeQuantize: missing input") }
        if inputs.count > 1, let scale = inputs[1] {  // a QAT graph's learned scale (and zero point)
          let zeroPoint = inputs.count > 2 ? inputs[2] : nil
          return [try LearnedStepSize.activation(state, id, x, scale: scale, zeroPoint: zeroPoint)]
        }
        return [try state.process(id, x)]
      }
    }
  }

  /// `BiasFakeQuantize(b) → b̂` with attributes `activation` (input quantizer id) and `weight` (weight quantizer
  /// index): `b̂_c = round_half_even(b_c / (s_in · s_w[c])) · s_in · s_w[c]` (see `BiasQuantization`).
  static func biasFakeQuantize(state: QuantizerState, weights: [QParams]) -> CustomKernel {
    CustomKernel(domain: domain, opType: "BiasFakeQuantize") { node in
      let activation = node.int("activation", default: -1)
      let weight = node.int("weight", default: -1)
      guard activation >= 0, activation < state.root.count, weight >= 0, weight < weights.count else {
        throw QuantizationError("node \(node.label): bad quantizer references")
      }
      let weightQParams = weights[weight]
      return { inputs in
        guard let bias = inputs.first ?? nil else { throw QuantizationError("BiasFakeQuantize: missing input") }
        guard state.isFakeQuantEnabled, let input = try state.qparams(of: activation) else { return [bias] }
        return [BiasSite.fakeQuantize(bias, input: input, weight: weightQParams)]
      }
    }
  }
}
