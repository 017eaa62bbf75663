import RecastTensor

/// Shape-changing ops and gathering: the gradient is `dy` put back into the input's layout. Shapes, axes,
/// starts/ends and indices inputs get no gradient.
extension GradientRules {
  static let layout: [GradientRule] =
    ["Flatten", "Reshape", "Squeeze", "Unsqueeze"].map { op in
      GradientRule(opType: op) { _ in
        .init { c in
          var grads = [Tensor?](repeating: nil, count: c.inputShapes.count)
          if c.needs(0) { grads[0] = try c.gradient().reshaped(c.inputShape(0)) }
          return grads
        }
      }
    } + [
      GradientRule(opType: "Transpose") { site in
        let perm = site.node.ints("perm")
        return .init { c in
          let dy = try c.gradient()
          let forward = perm ?? Array((0..<dy.rank).reversed())
          var inverse = [Int](repeating: 0, count: forward.count)
          for (i, axis) in forward.enumerated() { inverse[axis] = i }
          return [try dy.transposed(perm: inverse)]
        }
      },
      // Concat: each input gets its slab of dy along the axis.
      GradientRule(opType: "Concat") { site in
        let axis = site.node.int("axis", default: 0)
        return .init { c in
          let dy = try c.gradient()
          let resolved = try Shape.normalize(axis: axis, rank: dy.rank, op: "Concat gradient")
          var present: [Int] = []
          var sizes: [Int] = []
          for (k, shape) in c.inputShapes.enumerated() {
            guard let shape else { continue }
            present.append(k)
            sizes.append(shape[resolved])
          }
          let pieces = try dy.split(axis: resolved, sizes: sizes, outputs: sizes.count)
          var grads = [Tensor?](repeating: nil, count: c.inputShapes.count)
          for (piece, k) in zip(pieces, present) where c.needs(k) { grads[k] = piece }
          return grads
        }
      },
      // Split: the outputs' gradients (zeros where none arrived) concatenated back along the axis.
      GradientRule(opType: "Split") { site in
        let axis = site.node.int("axis", default: 0)
        return .init { c in
          var pieces: [Tensor] = []
          for k in c.outputShapes.indices where c.outputShapes[k] != nil { pieces.append(try c.gradient(k)) }
          var grads = [Tensor?](repeating: nil, count: c.inputShapes.count)
          grads[0] = try Tensor.concat(pieces, axis: axis)
          return grads
        }
      },
      GradientRule(opType: "Slice") { _ in
        .init(savingInputs: [1, 2, 3, 4]) { c in
          var grads = [Tensor?](repeating: nil, count: c.inputShapes.count)
          grads[0] = try Tensor.sliceGradient(
            c.gradient(), inputShape: c.inputShape(0), starts: c.input(1).integers(), ends: c.input(2).integers(),
            axes: c.optionalInput(3)?.integers(), steps: c.optionalInput(4)?.integers())
          return grads
        }
      },
      // Gather: rows of dy added back onto the picked rows (an embedding table's gradient is a scatter-add).
      GradientRule(opType: "Gather") { site in
        let axis = site.node.int("axis", default: 0)
        return .init(savingInputs: [1]) { c in
          [
            try Tensor.gatherGradient(c.gradient(), indices: c.input(1), axis: axis, inputShape: c.inputShape(0)),
            nil,
          ]
        }
      },
    ]

  /// `ReduceSum` and `ReduceMean`: `dy` (with the reduced axes restored as size 1) broadcast back over the
  /// input, divided by the reduced count for the mean. `axes` is an attribute up to opset 12 (ReduceSum) or 17
  /// (ReduceMean) and an input after.
  static let reductions: [GradientRule] = [("ReduceSum", false, 12), ("ReduceMean", true, 17)].map {
    op, isMean, lastAttributeOpset in
    GradientRule(opType: op) { site in
      let attributeAxes = site.opset <= lastAttributeOpset ? site.node.ints("axes") : nil
      let keepDims = site.node.int("keepdims", default: 1) != 0
      let noop = site.node.int("noop_with_empty_axes", default: 0) != 0
      let fromInput = site.opset > lastAttributeOpset
      return .init(savingInputs: fromInput ? [1] : []) { c in
        let shape = try c.inputShape(0)
        let dy = try c.gradient()
        let given = fromInput ? c.optionalInput(1)?.integers() : attributeAxes
        var grads = [Tensor?](repeating: nil, count: c.inputShapes.count)
        if (given ?? []).isEmpty && noop {
          grads[0] = dy
          return grads
        }
        let axes = try Shape.normalize(
          axes: (given ?? []).isEmpty ? Array(shape.indices) : given!, rank: shape.count, op: "\(op) gradient")
        var kept = shape
        for axis in axes { kept[axis] = 1 }
        var dx = try dy.reshaped(kept).expanded(to: shape)
        if isMean {
          let count = axes.reduce(1) { $0 * shape[$1] }
          dx = try mul(dx, scalar(1 / Float(Swift.max(count, 1))))
        }
        grads[0] = dx
        return grads
      }
    }
  }
}
