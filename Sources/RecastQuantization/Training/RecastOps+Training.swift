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

  /// `dy` masked to the elements of `x` inside the clamp range of `qparams` (all of `dy` for nil): the mask of
  /// `FakeQuant.mask`, computed and applied in one pass, split over threads (every element is written once).
  static func straightThrough(_ x: Tensor, _ dy: Tensor, qparams: QParams?) throws -> Tensor {
    guard let qparams else { return dy }
    let plan = try KernelPlan(x, qparams)
    guard dy.dtype == .float32, dy.count == plan.layout.count else {
      throw QuantizationError("straight-through gradient: dY \(dy.shape) does not match X \(x.shape)")
    }
    var dx = Tensor(uninitialized: .float32, shape: dy.shape)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      dy.withUnsafeBufferPointer(as: Float.self) { pg in
        dx.withUnsafeMutableBufferPointer(as: Float.self) { pd in
          guard let xs = px.baseAddress, let gs = pg.baseAddress, let ds = pd.baseAddress else { return }
          parallelFor(plan.layout.count, grain: Parallelism.elementwiseGrain / 4) { range in
            plan.maskGradient(xs, gs, ds, range)
          }
        }
      }
    }
    return dx
  }
}

extension KernelPlan {
  /// `d[i] = g[i]` where `x[i]` is inside the clamp range (the predicate of `mask`), else 0, for `i` in `range`.
  /// Integer formats test `lo ≤ round_half_even((x − m) / s) ≤ hi` with each run's constants hoisted; float
  /// formats go through `mask`.
  func maskGradient(
    _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ range: Range<Int>
  ) {
    if format != nil {
      withUnsafeTemporaryAllocation(of: Bool.self, capacity: range.count) { inside in
        guard let base = inside.baseAddress else { return }
        mask(x, base - range.lowerBound, range)
        for i in range { d[i] = base[i - range.lowerBound] ? g[i] : 0 }
      }
      return
    }
    scale.withUnsafeBufferPointer { ps in
      offset.withUnsafeBufferPointer { pm in
        low.withUnsafeBufferPointer { pl in
          high.withUnsafeBufferPointer { ph in
            let (s, m, l, h) = (ps.baseAddress!, pm.baseAddress!, pl.baseAddress!, ph.baseAddress!)
            layout.forEachRun(in: range) { start, end, group, stride in
              if stride == 0 {
                let (sk, mk, lk, hk) = (s[group], m[group], l[group], h[group])
                for i in start..<end { d[i] = KernelPlan.inside(x[i], mk, sk, lk, hk) ? g[i] : 0 }
              } else {
                for i in start..<end {
                  let k = group + (i - start) * stride
                  d[i] = KernelPlan.inside(x[i], m[k], s[k], l[k], h[k]) ? g[i] : 0
                }
              }
            }
          }
        }
      }
    }
  }
}
