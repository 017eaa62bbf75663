import RecastTensor

/// `Constant` (folded when the plan is compiled) and `If`, whose branches read values of the enclosing graph.
extension OpRegistry {
  static let control: [OpDefinition] = [
    .simple("Constant", since: 1) { context throws(ExecutorError) in
      guard let value = context.node.constantTensor else {
        throw context.unsupported("a Constant that is not a tensor, float(s) or int(s)")
      }
      return { _ in [value] }
    },
    OpDefinition("If", since: 1) { context throws(ExecutorError) in
      guard let thenGraph = context.node.attributes["then_branch"]?.graphValue,
        let elseGraph = context.node.attributes["else_branch"]?.graphValue
      else { throw context.unsupported("an If without then_branch and else_branch graphs") }
      let thenPlan = try context.compileSubgraph(thenGraph)
      let elsePlan = try context.compileSubgraph(elseGraph)
      // The node reads the union of both branches' outer values, after its condition input.
      let captures = Array(Set(thenPlan.captures.map(\.name)).union(elsePlan.captures.map(\.name))).sorted()
      let position = Dictionary(uniqueKeysWithValues: captures.enumerated().map { ($1, $0 + 1) })
      let thenSources = thenPlan.captures.map { position[$0.name]! }
      let elseSources = elsePlan.captures.map { position[$0.name]! }
      let kernel: Kernel = { inputs in
        let condition = try operand(inputs, 0, "If")
        guard condition.count == 1 else { throw TensorError("If: condition has \(condition.count) elements") }
        let taken = condition.floats()[0] != 0
        let plan = taken ? thenPlan : elsePlan
        let sources = taken ? thenSources : elseSources
        var values = plan.initial
        for (capture, source) in zip(plan.captures, sources) { values[capture.slot] = inputs[source] }
        try plan.execute(&values, observer: nil)
        return try plan.outputs.map { binding in
          guard let value = values[binding.slot] else {
            throw TensorError("If: branch output '\(binding.name)' was not computed")
          }
          return value
        }
      }
      return CompiledNode(kernel, captures: captures)
    },
  ]
}
