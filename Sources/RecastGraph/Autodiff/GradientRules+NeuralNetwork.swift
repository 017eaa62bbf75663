import RecastTensor

/// Convolutions, matrix products, normalisation layers and pooling.
extension GradientRules {
  static let neuralNetwork: [GradientRule] = [
    GradientRule(opType: "Conv") { site in
      let (strides, pads, dilations) = (site.node.ints("strides"), site.node.ints("pads"), site.node.ints("dilations"))
      let group = site.node.int("group", default: 1)
      let autoPad = try autoPadding(site.node)
      // dx reads W; dW reads x; db reads neither.
      return .init(savingInputs: saved(site, [0: [1], 1: [0]])) { c in
        let need = [c.needs(0), c.needs(1), c.needs(2)]
        let dy = try c.gradient()
        let x = try c.optionalInput(0) ?? Tensor(zeros: .float32, shape: c.inputShape(0))
        let w = try c.optionalInput(1) ?? Tensor(zeros: .float32, shape: c.inputShape(1))
        let r = try Tensor.convGradients(
          x, weight: w, outputGradient: dy, strides: strides, pads: pads, dilations: dilations, group: group,
          autoPad: autoPad, need: need)
        return [r.input, r.weight, r.bias]
      }
    },
    GradientRule(opType: "ConvTranspose") { site in
      let (strides, pads, dilations) = (site.node.ints("strides"), site.node.ints("pads"), site.node.ints("dilations"))
      let group = site.node.int("group", default: 1)
      let autoPad = try autoPadding(site.node)
      let (outputPadding, outputShape) = (site.node.ints("output_padding"), site.node.ints("output_shape"))
      return .init(savingInputs: saved(site, [0: [1], 1: [0]])) { c in
        let need = [c.needs(0), c.needs(1), c.needs(2)]
        let dy = try c.gradient()
        let x = try c.optionalInput(0) ?? Tensor(zeros: .float32, shape: c.inputShape(0))
        let w = try c.optionalInput(1) ?? Tensor(zeros: .float32, shape: c.inputShape(1))
        let r = try Tensor.convTransposeGradients(
          x, weight: w, outputGradient: dy, strides: strides, pads: pads, dilations: dilations, group: group,
          autoPad: autoPad, outputPadding: outputPadding, outputShape: outputShape, need: need)
        return [r.input, r.weight, r.bias]
      }
    },
    // Y = α·op(A)·op(B) + β·C.
    GradientRule(opType: "Gemm") { site in
      let alpha = site.node.float("alpha", default: 1)
      let beta = site.node.float("beta", default: 1)
      let transA = site.node.int("transA", default: 0) != 0
      let transB = site.node.int("transB", default: 0) != 0
      return .init(savingInputs: saved(site, [0: [1], 1: [0]])) { c in
        let dy = try c.gradient()
        var grads: [Tensor?] = [nil, nil, nil]
        if c.needs(0) {
          let b = try c.input(1)
          // dA = α·dY·op(B)ᵀ, or its transpose α·op(B)·dYᵀ when A is stored transposed.
          grads[0] =
            transA
            ? try Tensor.gemm(b, dy, nil, alpha: alpha, beta: 0, transA: transB, transB: true)
            : try Tensor.gemm(dy, b, nil, alpha: alpha, beta: 0, transA: false, transB: !transB)
        }
        if c.needs(1) {
          let a = try c.input(0)
          // dB = α·op(A)ᵀ·dY, or α·dYᵀ·op(A) when B is stored transposed.
          grads[1] =
            transB
            ? try Tensor.gemm(dy, a, nil, alpha: alpha, beta: 0, transA: true, transB: transA)
            : try Tensor.gemm(a, dy, nil, alpha: alpha, beta: 0, transA: !transA, transB: false)
        }
        if c.needs(2) {
          let scaled = beta == 1 ? dy : try mul(dy, scalar(beta))
          grads[2] = try scaled.summed(toShape: c.inputShape(2))
        }
        return grads
      }
    },
    GradientRule(opType: "MatMul") { site in
      .init(savingInputs: saved(site, [0: [1], 1: [0]])) { c in
        let dy = try c.gradient()
        let a = try c.optionalInput(0) ?? Tensor(zeros: .float32, shape: c.inputShape(0))
        let b = try c.optionalInput(1) ?? Tensor(zeros: .float32, shape: c.inputShape(1))
        let r = try matmulGradients(a, b, dy, needA: c.needs(0), needB: c.needs(1))
        return [r.a, r.b]
      }
    },
    // Inference-mode BatchNormalization (running statistics); the statistics get no gradient.
    GradientRule(opType: "BatchNormalization") { site in
      let epsilon = site.node.float("epsilon", default: 1e-5)
      return .init(savingInputs: [0, 1, 3, 4]) { c in
        let r = try Tensor.batchNormInferenceGradients(
          c.input(0), scale: c.input(1), mean: c.input(3), variance: c.input(4), epsilon: epsilon,
          outputGradient: c.gradient())
        return [r.input, r.scale, r.bias, nil, nil]
      }
    },
    // Training-mode BatchNormalization as `TrainingExecutor` runs it: inputs [x, scale, bias], outputs
    // [y, batch mean, batch variance]; the statistics outputs are not differentiated.
    GradientRule(domain: TrainingGraph.domain, opType: "BatchNormalization") { site in
      let epsilon = site.node.float("epsilon", default: 1e-5)
      return .init(savingInputs: [0, 1], outputs: [1, 2]) { c in
        let r = try Tensor.batchNormTrainingGradients(
          c.input(0), scale: c.input(1), mean: c.output(1), variance: c.output(2), epsilon: epsilon,
          outputGradient: c.gradient())
        return [r.input, r.scale, r.bias]
      }
    },
    GradientRule(opType: "LayerNormalization") { site in
      let axis = site.node.int("axis", default: -1)
      let epsilon = site.node.float("epsilon", default: 1e-5)
      return .init(savingInputs: [0, 1]) { c in
        if c.outputGradients.dropFirst().contains(where: { $0 != nil }) {
          throw AutodiffError(.missingRule, "gradients through the Mean and InvStdDev outputs are not supported")
        }
        let r = try layerNormGradients(
          c.input(0), scale: c.input(1), dy: c.gradient(), axis: axis, epsilon: epsilon,
          biasShape: c.inputShapes.count > 2 ? c.inputShapes[2] : nil)
        return [c.needs(0) ? r.x : nil, c.needs(1) ? r.scale : nil, r.bias]
      }
    },
    GradientRule(opType: "MaxPool") { site in
      let p = try poolAttributes(site.node)
      return .init(savingInputs: [0]) { c in
        [
          try Tensor.maxPoolGradient(
            c.input(0), outputGradient: c.gradient(), kernelShape: p.kernel, strides: p.strides, pads: p.pads,
            dilations: p.dilations, ceilMode: p.ceilMode, autoPad: p.autoPad)
        ]
      }
    },
    GradientRule(opType: "AveragePool") { site in
      let p = try poolAttributes(site.node)
      let countIncludePad = site.node.int("count_include_pad", default: 0) != 0
      return .init { c in
        [
          try Tensor.averagePoolGradient(
            inputShape: c.inputShape(0), outputGradient: c.gradient(), kernelShape: p.kernel, strides: p.strides,
            pads: p.pads, dilations: p.dilations, ceilMode: p.ceilMode, autoPad: p.autoPad,
            countIncludePad: countIncludePad)
        ]
      }
    },
    // Mean over the spatial axes: each input element gets dy / (spatial size).
    GradientRule(opType: "GlobalAveragePool") { _ in
      .init { c in
        let shape = try c.inputShape(0)
        let plane = shape.dropFirst(2).reduce(1, *)
        return [try mul(c.gradient(), scalar(1 / Float(Swift.max(plane, 1)))).expanded(to: shape)]
      }
    },
  ]

  static func autoPadding(_ node: Node) throws(AutodiffError) -> AutoPad {
    let raw = node.attributes["auto_pad"]?.stringValue ?? "NOTSET"
    guard let value = AutoPad(rawValue: raw) else {
      throw AutodiffError(.missingRule, "node \(node.label): auto_pad '\(raw)' is not supported")
    }
    return value
  }

  struct PoolAttributes {
    var kernel: [Int]
    var strides: [Int]?
    var pads: [Int]?
    var dilations: [Int]?
    var ceilMode: Bool
    var autoPad: AutoPad
  }

  static func poolAttributes(_ node: Node) throws(AutodiffError) -> PoolAttributes {
    guard let kernel = node.ints("kernel_shape") else {
      throw AutodiffError(.missingRule, "node \(node.label): a missing kernel_shape is not supported")
    }
    return PoolAttributes(
      kernel: kernel, strides: node.ints("strides"), pads: node.ints("pads"), dilations: node.ints("dilations"),
      ceilMode: node.int("ceil_mode", default: 0) != 0, autoPad: try autoPadding(node))
  }

  /// Gradients of numpy-style `matmul(a, b)` (1-D operands promoted, batch axes broadcast and summed back).
  static func matmulGradients(
    _ a: Tensor, _ b: Tensor, _ dy: Tensor, needA: Bool, needB: Bool
  ) throws(TensorError) -> (a: Tensor?, b: Tensor?) {
    var (a2, b2, g) = (a, b, dy)
    if a.rank == 1 { a2 = a.reshaped([1, a.count]) }
    if b.rank == 1 { b2 = b.reshaped([b.count, 1]) }
    // dy lacks the axes a promoted 1-D operand would have had.
    var gShape = dy.shape
    if a.rank == 1 { gShape.insert(1, at: b.rank == 1 ? gShape.count : gShape.count - 1) }
    if b.rank == 1 { gShape.append(1) }
    g = g.reshaped(gShape)
    var da: Tensor?
    var db: Tensor?
    if needA { da = try Tensor.matmul(g, swapLastAxes(b2)).summed(toShape: a2.shape).reshaped(a.shape) }
    if needB { db = try Tensor.matmul(swapLastAxes(a2), g).summed(toShape: b2.shape).reshaped(b.shape) }
    return (da, db)
  }

  /// The transpose of the last two axes.
  static func swapLastAxes(_ t: Tensor) throws(TensorError) -> Tensor {
    var perm = Array(0..<t.rank)
    perm.swapAt(t.rank - 1, t.rank - 2)
    return try t.transposed(perm: perm)
  }

  /// LayerNormalization over the axes from `axis` on: with `x̂ = (x − μ)·r`, `g = dy·scale`,
  /// `dx = r·(g − mean(g) − x̂·mean(g·x̂))`; `dscale = Σ dy·x̂` and `dbias = Σ dy` over the leading axes.
  static func layerNormGradients(
    _ x: Tensor, scale: Tensor, dy: Tensor, axis: Int, epsilon: Float, biasShape: [Int]?
  ) throws(TensorError) -> (x: Tensor, scale: Tensor, bias: Tensor?) {
    let first = try Shape.normalize(axis: axis, rank: x.rank, op: "LayerNormalization gradient")
    let axes = Array(first..<x.rank)
    let mean = try x.reduced(.mean, axes: axes, keepDims: true)
    let centred = try Tensor.binary(.sub, x, mean)
    let variance = try mul(centred, centred).reduced(.mean, axes: axes, keepDims: true)
    let r = try Tensor.binary(.add, variance, scalar(epsilon)).map(.sqrt).map(.reciprocal)
    let xHat = try mul(centred, r)
    let g = try mul(dy, scale)
    let meanG = try g.reduced(.mean, axes: axes, keepDims: true)
    let meanGX = try mul(g, xHat).reduced(.mean, axes: axes, keepDims: true)
    let dx = try mul(r, Tensor.binary(.sub, Tensor.binary(.sub, g, meanG), mul(xHat, meanGX)))
    let dScale = try mul(dy, xHat).summed(toShape: scale.shape)
    let dBias = try biasShape.map { shape throws(TensorError) in try dy.summed(toShape: shape) }
    return (dx, dScale, dBias)
  }
}
