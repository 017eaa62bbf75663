import RecastTensor

/// Reductions. `axes` is an attribute up to opset 17 (12 for `ReduceSum`) and an optional input after.
extension OpRegistry {
  static let reductions: [OpDefinition] = {
    let kinds: [(String, ReduceOperator)] = [
      ("ReduceSum", .sum), ("ReduceMean", .mean), ("ReduceMax", .max), ("ReduceMin", .min), ("ReduceProd", .prod),
      ("ReduceL1", .l1), ("ReduceL2", .l2), ("ReduceSumSquare", .sumSquare), ("ReduceLogSumExp", .logSumExp),
    ]
    var list: [OpDefinition] = []
    for (op, kind) in kinds {
      let lastAttributeOpset = op == "ReduceSum" ? 12 : 17
      list.append(
        .simple(op, since: 1, through: lastAttributeOpset) { context in
          let axes = context.ints("axes")
          let keepDims = context.flag("keepdims", true)
          return { inputs in [try operand(inputs, 0, op).reduced(kind, axes: axes, keepDims: keepDims)] }
        })
      list.append(
        .simple(op, since: lastAttributeOpset + 1) { context in
          let keepDims = context.flag("keepdims", true)
          let noop = context.flag("noop_with_empty_axes")
          return { inputs in
            [
              try operand(inputs, 0, op).reduced(
                kind, axes: optionalOperand(inputs, 1)?.integers(), keepDims: keepDims, noopWithEmptyAxes: noop)
            ]
          }
        })
    }
    return list
  }()
}
