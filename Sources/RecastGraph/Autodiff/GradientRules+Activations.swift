import RecastTensor

/// Activation functions and softmax.
extension GradientRules {
  static let activations: [GradientRule] = [
    unary("Relu", .relu), unary("Sigmoid", .sigmoid), unary("Tanh", .tanh), unary("HardSwish", .hardSwish),
    unary("Softplus", .softplus),
    GradientRule(opType: "LeakyRelu") { site in
      let kind = UnaryOperator.leakyRelu(alpha: site.node.float("alpha", default: 0.01))
      return unaryCompiled(readsOutput: false) { _ in kind }
    },
    GradientRule(opType: "Elu") { site in
      let kind = UnaryOperator.elu(alpha: site.node.float("alpha", default: 1))
      return unaryCompiled(readsOutput: false) { _ in kind }
    },
    GradientRule(opType: "HardSigmoid") { site in
      let kind = UnaryOperator.hardSigmoid(
        alpha: site.node.float("alpha", default: 0.2), beta: site.node.float("beta", default: 0.5))
      return unaryCompiled(readsOutput: false) { _ in kind }
    },
    GradientRule(opType: "Gelu") { site in
      let kind = UnaryOperator.gelu(approximateTanh: site.node.attributes["approximate"]?.stringValue == "tanh")
      return unaryCompiled(readsOutput: false) { _ in kind }
    },
    // Clip passes the gradient where min ≤ x ≤ max. Its bounds (attributes before opset 11, optional inputs
    // after) get no gradient.
    GradientRule(opType: "Clip") { site in
      if site.opset < 11 {
        let kind = UnaryOperator.clip(
          min: site.node.float("min", default: -.infinity), max: site.node.float("max", default: .infinity))
        return unaryCompiled(readsOutput: false) { _ in kind }
      }
      return unaryCompiled(extraInputs: [1, 2], readsOutput: false) { c in
        let low = c.optionalInput(1).map { $0.floats().first ?? -.infinity } ?? -.infinity
        let high = c.optionalInput(2).map { $0.floats().first ?? .infinity } ?? .infinity
        return .clip(min: low, max: high)
      }
    },
    softmax("Softmax", log: false),
    softmax("LogSoftmax", log: true),
  ]

  /// Softmax: `dx = y·(dy − Σ dy·y)`; LogSoftmax: `dx = dy − eʸ·Σ dy` (sums over the axis). Before opset 13 the
  /// input is read as a matrix split at `axis` (default 1) and normalised per row.
  private static func softmax(_ op: String, log: Bool) -> GradientRule {
    GradientRule(opType: op) { site in
      let legacy = site.opset < 13
      let axis = site.node.int("axis", default: legacy ? 1 : -1)
      return .init(outputs: [0]) { c in
        guard c.needs(0) else { return [nil] }
        var y = try c.output(0)
        var dy = try c.gradient()
        let shape = y.shape
        var reduceAxis = axis
        if legacy {
          let split = try Shape.normalize(axis: axis, rank: Swift.max(shape.count, 1), op: op)
          let rows = shape[..<split].reduce(1, *)
          y = y.reshaped([rows, y.count / Swift.max(rows, 1)])
          dy = dy.reshaped(y.shape)
          reduceAxis = 1
        }
        let dx: Tensor
        if log {
          let total = try dy.reduced(.sum, axes: [reduceAxis], keepDims: true)
          dx = try Tensor.binary(.sub, dy, mul(y.map(.exp), total))
        } else {
          let total = try mul(dy, y).reduced(.sum, axes: [reduceAxis], keepDims: true)
          dx = try mul(y, Tensor.binary(.sub, dy, total))
        }
        return [dx.reshaped(shape)]
      }
    }
  }
}
