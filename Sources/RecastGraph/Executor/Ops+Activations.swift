import RecastTensor

/// Activation functions and softmax.
extension OpRegistry {
  static let activations: [OpDefinition] = [
    unary("Relu", since: 6, .relu),
    unary("Sigmoid", since: 6, .sigmoid),
    unary("Tanh", since: 6, .tanh),
    unary("HardSwish", since: 14, .hardSwish),
    unary("Softplus", since: 1, .softplus),
    .simple("LeakyRelu", since: 6) { context in
      let kind = UnaryOperator.leakyRelu(alpha: context.float("alpha", 0.01))
      return { inputs in [try operand(inputs, 0, "LeakyRelu").map(kind)] }
    },
    .simple("Elu", since: 6) { context in
      let kind = UnaryOperator.elu(alpha: context.float("alpha", 1))
      return { inputs in [try operand(inputs, 0, "Elu").map(kind)] }
    },
    .simple("HardSigmoid", since: 6) { context in
      let kind = UnaryOperator.hardSigmoid(alpha: context.float("alpha", 0.2), beta: context.float("beta", 0.5))
      return { inputs in [try operand(inputs, 0, "HardSigmoid").map(kind)] }
    },
    .simple("Gelu", since: 20) { context throws(ExecutorError) in
      let approximate = context.string("approximate") ?? "none"
      guard approximate == "none" || approximate == "tanh" else {
        throw context.unsupported("approximate '\(approximate)'")
      }
      let kind = UnaryOperator.gelu(approximateTanh: approximate == "tanh")
      return { inputs in [try operand(inputs, 0, "Gelu").map(kind)] }
    },
    // Clip before opset 11 takes its bounds as attributes, later as optional inputs.
    .simple("Clip", since: 6, through: 10) { context in
      let kind = UnaryOperator.clip(min: context.float("min", -.infinity), max: context.float("max", .infinity))
      return { inputs in [try operand(inputs, 0, "Clip").map(kind)] }
    },
    .simple("Clip", since: 11) { _ in
      { inputs in
        let x = try operand(inputs, 0, "Clip")
        let low = optionalOperand(inputs, 1).map { Float($0.floats().first ?? -.infinity) } ?? -.infinity
        let high = optionalOperand(inputs, 2).map { Float($0.floats().first ?? .infinity) } ?? .infinity
        return [try x.map(.clip(min: low, max: high))]
      }
    },
    softmax("Softmax", log: false),
    softmax("LogSoftmax", log: true),
    legacySoftmax("Softmax", log: false),
    legacySoftmax("LogSoftmax", log: true),
  ]

  /// Softmax over one axis (opset 13 on; default axis −1).
  private static func softmax(_ op: String, log: Bool) -> OpDefinition {
    .simple(op, since: 13) { context in
      let axis = context.int("axis", -1)
      return { inputs in [try operand(inputs, 0, op).softmax(axis: axis, log: log)] }
    }
  }

  /// Softmax before opset 13: the input is read as a 2-D matrix split at `axis` (default 1), normalised per row.
  private static func legacySoftmax(_ op: String, log: Bool) -> OpDefinition {
    .simple(op, since: 1, through: 12) { context in
      let axis = context.int("axis", 1)
      return { inputs in
        let x = try operand(inputs, 0, op)
        let split = try Shape.normalize(axis: axis, rank: max(x.rank, 1), op: op)
        let rows = x.shape[..<split].reduce(1, *)
        let matrix = x.reshaped([rows, x.count / max(rows, 1)])
        return [try matrix.softmax(axis: 1, log: log).reshaped(x.shape)]
      }
    }
  }
}
