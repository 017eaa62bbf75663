import RecastTensor

/// Shape rules for element-wise ops, casts and constant producers.
extension ShapeInferencer {
  /// Same type and shape as input 0 (`Dropout`'s mask output is bool; `Identity` also keeps constants).
  func unary(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    var out = InferredValue(dtype: x.dtype, shape: x.shape)
    if node.opType == "Identity" { out.constant = x.constant }
    if node.opType == "Not" { out.dtype = .bool }
    if node.opType == "Dropout" { return [out, InferredValue(dtype: .bool, shape: x.shape)] }
    return [out]
  }

  /// Multidirectional broadcasting; comparisons and logic ops give bool. Small constants are folded.
  func elementwise(_ node: Node) throws(GraphError) -> [InferredValue] {
    let operands = node.inputs.indices.map { input(node, $0) }
    guard let first = operands.first else { return [] }
    var shape = first.shape
    for (slot, operand) in operands.enumerated().dropFirst() {
      guard let a = shape, let b = operand.shape else {
        shape = nil
        continue
      }
      guard let combined = ShapeAlgebra.broadcast(a, b) else {
        throw failure(node, "cannot broadcast \(a.shapeDescription) with input \(slot) \(b.shapeDescription)")
      }
      shape = combined
    }
    let comparison = ["Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "And", "Or", "Xor"]
    let dtype: DataType? = comparison.contains(node.opType) ? .bool : first.dtype
    var out = InferredValue(dtype: dtype, shape: shape)
    if operands.count == 2, let fixed = shape?.fixedSizes {
      out.constant = foldBinary(operands[0], operands[1], to: fixed, op: node.opType)
    }
    return [out]
  }

  /// `a op b` element-wise after broadcasting both constants to `target`.
  func foldBinary(_ a: InferredValue, _ b: InferredValue, to target: [Int], op: String) -> [SymbolicScalar]? {
    guard let av = a.constant, let bv = b.constant, let ashape = a.shape?.fixedSizes, let bshape = b.shape?.fixedSizes,
      let x = ShapeAlgebra.broadcastValues(av, shape: ashape, to: target),
      let y = ShapeAlgebra.broadcastValues(bv, shape: bshape, to: target)
    else { return nil }
    let integer = a.dtype.map { !$0.isFloatingPoint } ?? true
    return zip(x, y).map { SymbolicScalar.combine($0, $1, op: op, integer: integer) }
  }

  /// `Where(condition, x, y)`: broadcast of all three, type of `x`.
  func whereOp(_ node: Node) throws(GraphError) -> [InferredValue] {
    let (c, x, y) = (input(node, 0), input(node, 1), input(node, 2))
    guard let cs = c.shape, let xs = x.shape, let ys = y.shape else {
      return [InferredValue(dtype: x.dtype, shape: nil)]
    }
    guard let xy = ShapeAlgebra.broadcast(xs, ys), let shape = ShapeAlgebra.broadcast(cs, xy) else {
      throw failure(
        node, "cannot broadcast \(cs.shapeDescription), \(xs.shapeDescription) and \(ys.shapeDescription)")
    }
    var out = InferredValue(dtype: x.dtype, shape: shape)
    if let target = shape.fixedSizes, let cv = c.constant, let cshape = cs.fixedSizes,
      let conditions = ShapeAlgebra.broadcastValues(cv, shape: cshape, to: target),
      let xv = x.constant, let xshape = xs.fixedSizes,
      let xb = ShapeAlgebra.broadcastValues(xv, shape: xshape, to: target),
      let yv = y.constant, let yshape = ys.fixedSizes,
      let yb = ShapeAlgebra.broadcastValues(yv, shape: yshape, to: target)
    {
      out.constant = conditions.indices.map { i in
        switch conditions[i] {
        case .number(let v): v != 0 ? xb[i] : yb[i]
        default: .unknown
        }
      }
    }
    return [out]
  }

  /// `Cast` to the `to` type, `CastLike` to input 1's type; values pass through (symbols too).
  func cast(_ node: Node) -> [InferredValue] {
    let x = input(node, 0)
    let dtype: DataType? =
      node.opType == "Cast" ? node.attributes["to"]?.intValue.flatMap { DataType(rawValue: $0) } : input(node, 1).dtype
    var constant = x.constant
    if let dtype, !dtype.isFloatingPoint {
      constant = constant?.map { scalar in
        if case .number(let v) = scalar { return .number(dtype == .bool ? (v != 0 ? 1 : 0) : v.rounded(.towardZero)) }
        return scalar
      }
    }
    return [InferredValue(dtype: dtype, shape: x.shape, constant: constant)]
  }

  /// A `Constant` node's tensor (or float/int scalars and lists).
  func constant(_ node: Node) throws(GraphError) -> [InferredValue] {
    if let tensor = node.constantTensor { return [InferredValue(tensor: tensor)] }
    if let strings = node.attributes["value_strings"], case .strings(let list) = strings {
      return [InferredValue(dtype: .string, shape: [.fixed(list.count)])]
    }
    if node.attributes["value_string"] != nil { return [InferredValue(dtype: .string, shape: [])] }
    throw failure(node, "a Constant needs exactly one value attribute (sparse constants are not supported)")
  }

  /// `ConstantOfShape(shape)`: shape from input 0's values, type and fill value from the `value` tensor.
  func constantOfShape(_ node: Node) -> [InferredValue] {
    let fill = node.attributes["value"]?.tensorValue
    let dtype = fill?.dtype ?? .float32
    guard let dims = input(node, 0).dimensions else {
      let length = input(node, 0).shape?.first?.value
      return [
        InferredValue(dtype: dtype, shape: length.flatMap { $0 <= 64 ? Array(repeating: .unknown, count: $0) : nil })
      ]
    }
    var out = InferredValue(dtype: dtype, shape: dims)
    if let sizes = dims.fixedSizes, let count = ShapeAlgebra.checkedProduct(sizes), count <= InferredValue.foldLimit {
      let value = fill.flatMap(InferredValue.numbers(of:))?.first ?? .number(0)
      out.constant = Array(repeating: value, count: count)
    }
    return [out]
  }

  /// `Range(start, limit, delta)`: length `max(ceil((limit − start) / delta), 0)`; `Range(0, n, 1)` has length `n`
  /// even when `n` is symbolic.
  func range(_ node: Node) -> [InferredValue] {
    let (start, limit, delta) = (input(node, 0), input(node, 1), input(node, 2))
    let dtype = start.dtype ?? limit.dtype
    guard let s = start.constant?.first, let l = limit.constant?.first, let d = delta.constant?.first else {
      return [InferredValue(dtype: dtype, shape: [.unknown])]
    }
    switch (s, l, d) {
    case (.number(let a), .number(let b), .number(let step)) where step != 0 && abs((b - a) / step) < 1e15:
      let count = max(Int(((b - a) / step).rounded(.up)), 0)
      var out = InferredValue(dtype: dtype, shape: [.fixed(count)])
      if count <= InferredValue.foldLimit { out.constant = (0..<count).map { .number(a + Double($0) * step) } }
      return [out]
    case (.number(0), .symbol(let name), .number(1)):
      return [InferredValue(dtype: dtype, shape: [.symbolic(name)])]
    default:
      return [InferredValue(dtype: dtype, shape: [.unknown])]
    }
  }
}
