import RecastTensor

/// Broadcasting arithmetic (`Add`, `Sub`, `Mul`, `Div`, `Pow`), `Where`, and the elementwise math functions.
/// Gradients of broadcast operands are summed back onto each operand's shape.
extension GradientRules {
  static let elementwise: [GradientRule] = [
    GradientRule(opType: "Add") { _ in
      .init { c in
        let dy = try c.gradient()
        return [
          c.needs(0) ? try dy.summed(toShape: c.inputShape(0)) : nil,
          c.needs(1) ? try dy.summed(toShape: c.inputShape(1)) : nil,
        ]
      }
    },
    GradientRule(opType: "Sub") { _ in
      .init { c in
        let dy = try c.gradient()
        return [
          c.needs(0) ? try dy.summed(toShape: c.inputShape(0)) : nil,
          c.needs(1) ? try dy.map(.neg).summed(toShape: c.inputShape(1)) : nil,
        ]
      }
    },
    // d(a·b) = b·dy, a·dy.
    GradientRule(opType: "Mul") { site in
      .init(savingInputs: saved(site, [0: [1], 1: [0]])) { c in
        let dy = try c.gradient()
        return [
          c.needs(0) ? try mul(dy, c.input(1)).summed(toShape: c.inputShape(0)) : nil,
          c.needs(1) ? try mul(dy, c.input(0)).summed(toShape: c.inputShape(1)) : nil,
        ]
      }
    },
    // d(a/b) = dy/b, −dy·a/b².
    GradientRule(opType: "Div") { site in
      .init(savingInputs: saved(site, [0: [1], 1: [0, 1]])) { c in
        let dy = try c.gradient()
        var grads: [Tensor?] = [nil, nil]
        if c.needs(0) { grads[0] = try Tensor.binary(.div, dy, c.input(1)).summed(toShape: c.inputShape(0)) }
        if c.needs(1) {
          let b = try c.input(1)
          let quotient = try Tensor.binary(.div, mul(dy, c.input(0)), mul(b, b))
          grads[1] = try quotient.map(.neg).summed(toShape: c.inputShape(1))
        }
        return grads
      }
    },
    // d(aᵇ) = dy·b·aᵇ⁻¹ for the base; dy·aᵇ·ln a for the exponent (0 where a ≤ 0, where ln is undefined).
    GradientRule(opType: "Pow") { site in
      .init(savingInputs: [0, 1], outputs: site.needs(1) ? [0] : []) { c in
        let dy = try c.gradient()
        let a = try c.input(0)
        var b = try c.input(1)
        if b.dtype != .float32 { b = try b.cast(to: .float32) }
        var grads: [Tensor?] = [nil, nil]
        if c.needs(0) {
          let lowered = try Tensor.binary(.sub, b, scalar(1))
          grads[0] = try mul(mul(dy, b), Tensor.binary(.pow, a, lowered)).summed(toShape: c.inputShape(0))
        }
        if c.needs(1) {
          let positive = try Tensor.compare(.greater, a, scalar(0))
          let safe = try Tensor.where(positive, a, scalar(1))
          grads[1] = try mul(mul(dy, c.output(0)), safe.map(.log)).summed(toShape: c.inputShape(1))
        }
        return grads
      }
    },
    // Where(c, x, y): dy flows to x where c holds, to y elsewhere; the condition has no gradient.
    GradientRule(opType: "Where") { _ in
      .init(savingInputs: [0]) { c in
        let dy = try c.gradient()
        let condition = try c.input(0)
        let zero = scalar(0)
        return [
          nil,
          c.needs(1) ? try Tensor.where(condition, dy, zero).summed(toShape: c.inputShape(1)) : nil,
          c.needs(2) ? try Tensor.where(condition, zero, dy).summed(toShape: c.inputShape(2)) : nil,
        ]
      }
    },
    unary("Sqrt", .sqrt), unary("Exp", .exp), unary("Log", .log), unary("Erf", .erf), unary("Neg", .neg),
    unary("Reciprocal", .reciprocal), unary("Abs", .abs), unary("Sin", .sin), unary("Cos", .cos),
    GradientRule(opType: "Identity") { _ in .init { c in [try c.gradient()] } },
    // A float-to-float Cast passes the gradient through in the input's type.
    GradientRule(opType: "Cast") { _ in
      .init { c in
        guard c.needs(0) else { return [nil] }
        let type = c.inputTypes.first ?? nil
        guard let type, type.isFloatingPoint else { return [nil] }
        return [try c.gradient().cast(to: type)]
      }
    },
  ]

  /// An elementwise `y = kind(x)`: keeps the input, or the output when the derivative reads it.
  static func unary(_ op: String, _ kind: UnaryOperator) -> GradientRule {
    GradientRule(opType: op) { _ in unaryCompiled(readsOutput: kind.gradientReadsOutput) { _ in kind } }
  }

  /// The compiled rule of an elementwise op whose operator `kind(context)` may depend on saved bound inputs
  /// (Clip's min and max, listed in `extraInputs`). Keeps the output when `readsOutput`, else the input.
  static func unaryCompiled(
    extraInputs: Set<Int> = [], readsOutput: Bool,
    _ kind: @escaping @Sendable (GradientContext) throws -> UnaryOperator
  ) -> GradientRule.Compiled {
    .init(savingInputs: readsOutput ? extraInputs : extraInputs.union([0]), outputs: readsOutput ? [0] : []) { c in
      guard c.needs(0) else { return [nil] }
      let op = try kind(c)
      let dy = try c.gradient()
      return [
        try Tensor.unaryGradient(
          op, input: c.optionalInput(0), output: c.outputs.first ?? nil, gradient: dy)
      ]
    }
  }

  /// The inputs to keep: for each input that needs a gradient, the inputs its formula reads.
  static func saved(_ site: GradientRule.Site, _ reads: [Int: [Int]]) -> Set<Int> {
    var result = Set<Int>()
    for (input, needed) in reads where site.needs(input) { result.formUnion(needed) }
    return result
  }
}

/// Elementwise product with broadcasting.
func mul(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor { try Tensor.binary(.mul, a, b) }

/// A float32 scalar.
func scalar(_ value: Float) -> Tensor { Tensor(shape: [], floats: [value]) }
