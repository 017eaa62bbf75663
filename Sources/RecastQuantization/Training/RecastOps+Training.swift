import RecastGraph
import RecastTensor

extension RecastOps {
  /// `WeightFakeQuantize(w) → ŵ` with attribute `weight` (`plan.weights` index): the training graph's weight
  /// quantizer. It reads the current float weight (in graph mode the BN-scaled one), recomputes the weight qparams
  /// from it while the quantizer's observer is on, and fake-quantizes while its fake-quant is on.
  static func weightFakeQuantize(state: QuantizerState, count: Int) -> CustomKernel {
    CustomKernel(domain: domain, opType: "WeightFakeQuantize") { node in
      let index = node.int("weight", default: -1)
      guard index >= 0, index < count else {
        throw QuantizationError("node \(node.label): no weight quantizer \(index)")
      }
      return { inputs in
        guard let w = inputs.first ?? nil else {
          throw QuantizationError("WeightFakeQuantize: missing input")
        }
        if inputs.count > 1, let scale = inputs[1] {  // learned scale (and zero point)
          let zeroPoint = inputs.count > 2 ? inputs[2] : nil
          return [try LearnedStepSize.weight(state, index, w, scale: scale, zeroPoint: zeroPoint)]
        }
        return [try state.processWeight(index, w)]
      }
    }
  }

  /// The straight-through estimator of both fake-quant ops: `dx = dy` where the input was inside the clamp range of
  /// the qparams the forward pass used (`FakeQuant.mask`), 0 outside; `dx = dy` everywhere while fake-quant is off.
  /// Nodes with learned qparams (extra scale and zero-point inputs) use `LearnedStepSize.backward`.
  static func gradientRules(state: QuantizerState) -> [GradientRule] {
    [
      GradientRule(domain: domain, opType: "FakeQuantize") { site in
        let id = site.node.int("quantizer", default: -1)
        if site.node.inputs.count > 1 {
          return .init(savingInputs: Set(0..<site.node.inputs.count)) { c in
            try LearnedStepSize.backward(
              c, modes: state.activationModes(id), spec: state.activationSpec(id), template: state.qparams(of: id),
              batched: true, observerQParams: { try state.activationMaskQParams(id) })
          }
        }
        return .init(savingInputs: [0]) { c in
          guard c.needs(0) else { return [nil] }
          return [
            try straightThrough(c.input(0), c.gradient(), qparams: state.activationMaskQParams(id))
          ]
        }
      },
      GradientRule(domain: domain, opType: "WeightFakeQuantize") { site in
        let index = site.node.int("weight", default: -1)
        if site.node.inputs.count > 1 {
          return .init(savingInputs: Set(0..<site.node.inputs.count)) { c in
            try LearnedStepSize.backward(
              c, modes: state.weightModes(index), spec: state.weightSpec(index),
              template: state.weightQParams(index), batched: false, observerQParams: { state.weightMaskQParams(index) })
          }
        }
        return .init(savingInputs: [0]) { c in
          guard c.needs(0) else { return [nil] }
          return [
            try straightThrough(c.input(0), c.gradient(), qparams: state.weightMaskQParams(index))
          ]
        }
      },
    ]
  }

  /// `dy` masked to the elements of `x` inside the clamp range of `qparams` (all of `dy` for nil).
  static func straightThrough(_ x: Tensor, _ dy: Tensor, qparams: QParams?) throws -> Tensor {
    guard let qparams else { return dy }
    let mask = try FakeQuant.mask(x, qparams: qparams)
    var dx = dy
    dx.withUnsafeMutableBufferPointer(as: Float.self) { g in
      for i in 0..<g.count where !mask[i] { g[i] = 0 }
    }
    return dx
  }
}
