import RecastTensor

/// Shape-changing ops: reshapes, transposes, squeezes, concatenation, splitting, slicing, padding, resizing.
extension OpRegistry {
  static let layout: [OpDefinition] = [
    .simple("Reshape", since: 5) { context in
      let allowZero = context.flag("allowzero")
      return { inputs in
        [
          try operand(inputs, 0, "Reshape").reshaped(
            onnx: try operand(inputs, 1, "Reshape").integers(), allowZero: allowZero)
        ]
      }
    },
    .simple("Transpose", since: 1) { context in
      let perm = context.ints("perm")
      return { inputs in [try operand(inputs, 0, "Transpose").transposed(perm: perm)] }
    },
    .simple("Flatten", since: 1) { context in
      let axis = context.int("axis", 1)
      return { inputs in [try operand(inputs, 0, "Flatten").flattened(axis: axis)] }
    },
    .simple("Squeeze", since: 1, through: 12) { context in
      let axes = context.ints("axes")
      return { inputs in [try operand(inputs, 0, "Squeeze").squeezed(axes: axes)] }
    },
    .simple("Squeeze", since: 13) { _ in
      { inputs in [try operand(inputs, 0, "Squeeze").squeezed(axes: optionalOperand(inputs, 1)?.integers())] }
    },
    .simple("Unsqueeze", since: 1, through: 12) { context in
      let axes = context.ints("axes") ?? []
      return { inputs in [try operand(inputs, 0, "Unsqueeze").unsqueezed(axes: axes)] }
    },
    .simple("Unsqueeze", since: 13) { _ in
      { inputs in [try operand(inputs, 0, "Unsqueeze").unsqueezed(axes: try operand(inputs, 1, "Unsqueeze").integers())]
      }
    },
    .simple("Concat", since: 4) { context in
      let axis = context.int("axis", 0)
      return { inputs in [try Tensor.concat(inputs.compactMap { $0 }, axis: axis)] }
    },
    .simple("Split", since: 2, through: 12) { context in
      let axis = context.int("axis", 0)
      let sizes = context.ints("split")
      let count = context.node.outputs.count
      return { inputs in try operand(inputs, 0, "Split").split(axis: axis, sizes: sizes, outputs: count) }
    },
    .simple("Split", since: 13) { context in
      let axis = context.int("axis", 0)
      let count = context.node.attributes["num_outputs"]?.intValue ?? context.node.outputs.count
      return { inputs in
        try operand(inputs, 0, "Split").split(axis: axis, sizes: optionalOperand(inputs, 1)?.integers(), outputs: count)
      }
    },
    .simple("Slice", since: 10) { _ in
      { inputs in
        [
          try operand(inputs, 0, "Slice").sliced(
            starts: try operand(inputs, 1, "Slice").integers(), ends: try operand(inputs, 2, "Slice").integers(),
            axes: optionalOperand(inputs, 3)?.integers(), steps: optionalOperand(inputs, 4)?.integers())
        ]
      }
    },
    .simple("Expand", since: 8) { _ in
      { inputs in [try operand(inputs, 0, "Expand").expanded(to: try operand(inputs, 1, "Expand").integers())] }
    },
    .simple("Pad", since: 11) { context throws(ExecutorError) in
      let mode = try context.choice("mode", "constant", as: PadMode.self)
      return { inputs in
        [
          try operand(inputs, 0, "Pad").padded(
            try operand(inputs, 1, "Pad").integers(), mode: mode, value: optionalOperand(inputs, 2),
            axes: optionalOperand(inputs, 3)?.integers())
        ]
      }
    },
    .simple("Shape", since: 1) { context in
      let start = context.node.attributes["start"]?.intValue ?? 0
      let end = context.node.attributes["end"]?.intValue
      return { inputs in
        let shape = try operand(inputs, 0, "Shape").shape
        let rank = shape.count
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + rank : i, 0), rank) }
        let lower = clamp(start)
        let upper = max(clamp(end ?? rank), lower)
        let dims = shape[lower..<upper].map { Int64($0) }
        return [Tensor(shape: [dims.count], scalars: dims, dtype: .int64)]
      }
    },
    .simple("Size", since: 1) { _ in
      { inputs in [Tensor(shape: [], scalars: [Int64(try operand(inputs, 0, "Size").count)], dtype: .int64)] }
    },
    .simple("Identity", since: 1) { _ in { inputs in [try operand(inputs, 0, "Identity")] } },
    resize,
  ]

  /// `Resize` (opset 11 on): nearest and linear modes over any axes; no cubic, antialias, `axes` or
  /// `keep_aspect_ratio_policy` other than `stretch`.
  private static let resize = OpDefinition.simple("Resize", since: 11) { context throws(ExecutorError) in
    let mode = try context.choice("mode", "nearest", as: ResizeMode.self)
    let transform = try context.choice("coordinate_transformation_mode", "half_pixel", as: CoordinateTransform.self)
    let nearest = try context.choice("nearest_mode", "round_prefer_floor", as: NearestMode.self)
    if context.flag("antialias") { throw context.unsupported("antialias=1") }
    if context.flag("exclude_outside") { throw context.unsupported("exclude_outside=1") }
    if context.ints("axes") != nil { throw context.unsupported("the axes attribute") }
    if let policy = context.string("keep_aspect_ratio_policy"), policy != "stretch" {
      throw context.unsupported("keep_aspect_ratio_policy '\(policy)'")
    }
    return { inputs in
      let scales = optionalOperand(inputs, 2).flatMap { $0.count == 0 ? nil : $0.floats() }
      let sizes = optionalOperand(inputs, 3).flatMap { $0.count == 0 ? nil : $0.integers() }
      return [
        try operand(inputs, 0, "Resize").resized(
          scales: scales, sizes: sizes, mode: mode, coordinateTransform: transform, nearestMode: nearest)
      ]
    }
  }
}
