import RecastTensor

/// Gathering and tensor construction: `Gather`, `Range`, `ConstantOfShape`.
extension OpRegistry {
  static let indexing: [OpDefinition] = [
    .simple("Gather", since: 1) { context in
      let axis = context.int("axis", 0)
      return { inputs in [try operand(inputs, 0, "Gather").gathered(try operand(inputs, 1, "Gather"), axis: axis)] }
    },
    .simple("Range", since: 11) { _ in
      { inputs in
        [
          try Tensor.range(
            start: try operand(inputs, 0, "Range"), limit: try operand(inputs, 1, "Range"),
            delta: try operand(inputs, 2, "Range"))
        ]
      }
    },
    .simple("ConstantOfShape", since: 9) { context in
      let value = context.node.attributes["value"]?.tensorValue
      return { inputs in
        [try Tensor.constantOfShape(try operand(inputs, 0, "ConstantOfShape").integers(), value: value)]
      }
    },
  ]
}
