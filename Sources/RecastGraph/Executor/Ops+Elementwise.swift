import RecastTensor

/// Elementwise arithmetic, comparisons, logic and selection (numpy broadcasting).
extension OpRegistry {
  static let elementwise: [OpDefinition] = {
    var list: [OpDefinition] = []
    let arithmetic: [(String, BinaryOperator)] = [("Add", .add), ("Sub", .sub), ("Mul", .mul), ("Div", .div)]
    for (op, kind) in arithmetic {
      list.append(
        .simple(op, since: 7) { _ in
          { inputs in [try widenedBinary(kind, try operand(inputs, 0, op), try operand(inputs, 1, op))] }
        })
    }
    list.append(.simple("Pow", since: 7) { _ in powKernel })
    list.append(
      .simple("Mod", since: 10) { context throws(ExecutorError) in
        let fmod = context.flag("fmod")
        return { inputs in
          let a = try operand(inputs, 0, "Mod")
          guard fmod == a.dtype.isFloatingPoint else {
            throw TensorError("Mod: fmod=\(fmod ? 1 : 0) with \(a.dtype) operands is not supported")
          }
          return [try widenedBinary(.mod, a, try operand(inputs, 1, "Mod"))]
        }
      })
    let variadic: [(String, BinaryOperator?)] = [("Max", .max), ("Min", .min), ("Sum", .add), ("Mean", nil)]
    for (op, kind) in variadic {
      list.append(.simple(op, since: 8) { _ in { inputs in [try variadicKernel(op, kind, inputs)] } })
    }
    let comparisons: [(String, ComparisonOperator, Int)] = [
      ("Equal", .equal, 7), ("Greater", .greater, 7), ("GreaterOrEqual", .greaterOrEqual, 12), ("Less", .less, 7),
      ("LessOrEqual", .lessOrEqual, 12),
    ]
    for (op, kind, since) in comparisons {
      list.append(
        .simple(op, since: since) { _ in
          { inputs in [try widenedCompare(kind, try operand(inputs, 0, op), try operand(inputs, 1, op))] }
        })
    }
    let logical: [(String, LogicalOperator)] = [("And", .and), ("Or", .or), ("Xor", .xor)]
    for (op, kind) in logical {
      list.append(
        .simple(op, since: 7) { _ in
          { inputs in [try Tensor.logical(kind, try operand(inputs, 0, op), try operand(inputs, 1, op))] }
        })
    }
    list.append(.simple("Not", since: 1) { _ in { inputs in [try operand(inputs, 0, "Not").logicalNot()] } })
    list.append(
      .simple("Where", since: 9) { _ in
        { inputs in
          [
            try Tensor.where(
              try operand(inputs, 0, "Where"), try operand(inputs, 1, "Where"), try operand(inputs, 2, "Where"))
          ]
        }
      })
    let math: [(String, UnaryOperator, Int)] = [
      ("Sqrt", .sqrt, 6), ("Reciprocal", .reciprocal, 6), ("Neg", .neg, 6), ("Exp", .exp, 6), ("Log", .log, 6),
      ("Abs", .abs, 6), ("Floor", .floor, 6), ("Ceil", .ceil, 6), ("Round", .round, 11), ("Sign", .sign, 9),
      ("Sin", .sin, 7), ("Cos", .cos, 7), ("Erf", .erf, 9),
    ]
    for (op, kind, since) in math { list.append(unary(op, since: since, kind)) }
    return list
  }()

  /// A one-input op applying `kind` elementwise.
  static func unary(_ op: String, since: Int, _ kind: UnaryOperator) -> OpDefinition {
    .simple(op, since: since) { _ in { inputs in [try operand(inputs, 0, op).map(kind)] } }
  }
}

/// `Pow`: the exponent may have another numeric type than the base; the result has the base's type.
private let powKernel: Kernel = { inputs in
  let base = try operand(inputs, 0, "Pow")
  var exponent = try operand(inputs, 1, "Pow")
  if exponent.dtype != base.dtype { exponent = try exponent.cast(to: base.dtype) }
  return [try widenedBinary(.pow, base, exponent)]
}

/// `Max`, `Min`, `Sum`, `Mean` over one or more broadcast operands.
private func variadicKernel(_ op: String, _ kind: BinaryOperator?, _ inputs: [Tensor?]) throws -> Tensor {
  let operands = inputs.compactMap { $0 }
  guard var result = operands.first else { throw TensorError("\(op): needs at least one input") }
  for next in operands.dropFirst() { result = try widenedBinary(kind ?? .add, result, next) }
  if kind == nil && operands.count > 1 {
    let divisor = try Tensor(shape: [], scalars: [Float(operands.count)], dtype: .float32).cast(to: result.dtype)
    result = try widenedBinary(.div, result, divisor)
  }
  return result
}

/// The type the arithmetic kernels compute `dtype` in: narrow integers in int64 (exact, results wrap back as ONNX
/// integer arithmetic does), half-precision floats in float32 (one rounding back to the narrow type). `nil` when the
/// kernels take the type as it is or cannot take it.
private func computeType(_ dtype: DataType, _ op: BinaryOperator?) -> DataType? {
  switch dtype {
  case .int8, .int16, .uint8, .uint16, .uint32: .int64
  // uint64 wraps the same way in int64 for the ring operations only.
  case .uint64 where op == .add || op == .sub || op == .mul: .int64
  case .float16, .bfloat16: .float32
  default: nil
  }
}

/// `Tensor.binary` for every integer and half-precision type, widening where the kernel lacks the type.
func widenedBinary(_ op: BinaryOperator, _ a: Tensor, _ b: Tensor) throws -> Tensor {
  guard a.dtype == b.dtype, let wide = computeType(a.dtype, op) else { return try Tensor.binary(op, a, b) }
  return try Tensor.binary(op, try a.cast(to: wide), try b.cast(to: wide)).cast(to: a.dtype)
}

/// `Tensor.compare`, widening narrow types the kernel lacks (exact for every value of those types).
func widenedCompare(_ op: ComparisonOperator, _ a: Tensor, _ b: Tensor) throws -> Tensor {
  guard a.dtype == b.dtype, a.dtype != .uint64, let wide = computeType(a.dtype, nil) else {
    return try Tensor.compare(op, a, b)
  }
  return try Tensor.compare(op, try a.cast(to: wide), try b.cast(to: wide))
}
