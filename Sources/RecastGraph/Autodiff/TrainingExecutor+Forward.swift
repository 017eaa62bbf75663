public import RecastTensor

extension TrainingExecutor {
  /// Runs the forward pass on `inputs` (the graph's runtime inputs, without the trainable initializers, which
  /// come from `parameters`) and returns the tape: the outputs, updated running statistics, and what
  /// `backward` needs.
  public func forward(_ inputs: [String: Tensor]) throws -> GradientTape {
    var values = plan.initial
    let declared = Set(plan.inputs.map(\.binding.name))
    if let extra = inputs.keys.filter({ !declared.contains($0) || parameters[$0] != nil }).sorted().first {
      let what = parameters[extra] != nil ? "a trainable initializer (set it in `parameters`)" : "not a graph input"
      throw ExecutorError(.unexpectedInput, "'\(extra)' is \(what)")
    }
    for (binding, info) in plan.inputs {
      let name = binding.name
      if let bound = parameters[name] ?? (boundStatistics.contains(name) ? runningStatistics[name] : nil) {
        if let (type, shape) = boundTypes[name], bound.dtype != type || bound.shape != shape {
          throw AutodiffError(
            .parameter, "'\(name)' must stay \(type) \(shape); found \(bound.dtype) \(bound.shape)")
        }
        values[binding.slot] = bound
      } else if let value = inputs[name] {
        if let type = info.elementType, type != value.dtype {
          throw ExecutorError(.inputType, "input '\(name)' must be \(type); found \(value.dtype) \(value.shape)")
        }
        values[binding.slot] = value
      } else {
        throw ExecutorError(.missingInput, "input '\(name)' is missing (expected \(info))")
      }
    }

    let count = plan.names.count
    var shapes = [[Int]?](repeating: nil, count: count)
    var types = [DataType?](repeating: nil, count: count)
    for slot in 0..<count {
      if let value = values[slot] {
        shapes[slot] = value.shape
        types[slot] = value.dtype
      }
    }
    var requires = [Bool](repeating: false, count: count)
    for (_, slot) in trainableSlots { requires[slot] = types[slot]?.isFloatingPoint ?? false }

    var arguments: [Tensor?] = []
    for (position, step) in plan.steps.enumerated() {
      arguments.removeAll(keepingCapacity: true)
      for slot in step.inputs { arguments.append(slot < 0 ? nil : values[slot]) }
      let results: [Tensor]
      do {
        results = try step.kernel(arguments)
      } catch {
        throw ExecutionPlan.kernelError(error, label: step.label)
      }
      let active = step.inputs.contains { $0 >= 0 && requires[$0] }
      for (k, slot) in step.outputs.enumerated() where slot >= 0 {
        guard k < results.count else {
          throw ExecutorError(.kernel, "node \(step.label) produced \(results.count) outputs; output \(k) is needed")
        }
        values[slot] = results[k]
        shapes[slot] = results[k].shape
        types[slot] = results[k].dtype
        requires[slot] = active && results[k].dtype.isFloatingPoint
      }
      let compiled = steps[position]
      if active, compiled.rule == nil, step.outputs.contains(where: { $0 >= 0 && requires[$0] }) {
        let rules = options.gradients.opTypes().joined(separator: ", ")
        throw AutodiffError(
          .missingRule,
          "node \(compiled.label): op \(compiled.opType) has no gradient rule, and a trainable value reaches it; "
            + "rules exist for: \(rules)")
      }
      for slot in releases[position] { values[slot] = nil }
    }

    var outputs: [String: Tensor] = [:]
    for binding in plan.outputs {
      guard let value = values[binding.slot] else {
        throw ExecutorError(.kernel, "graph output '\(binding.name)' was not computed")
      }
      outputs[binding.name] = value
    }
    return GradientTape(
      executor: self, outputs: outputs, runningStatistics: try updatedStatistics(values: values, shapes: shapes),
      values: values, shapes: shapes, types: types, requires: requires)
  }

  /// The running statistics after this batch: `running · momentum + batch · (1 − momentum)` per
  /// training-mode BatchNormalization.
  private func updatedStatistics(values: [Tensor?], shapes: [[Int]?]) throws -> [String: Tensor] {
    var result: [String: Tensor] = [:]
    for slots in batchNorms {
      let norm = slots.norm
      guard let mean = values[slots.mean], var variance = values[slots.variance],
        let runningMean = runningStatistics[norm.runningMean],
        let runningVariance = runningStatistics[norm.runningVariance]
      else { continue }
      if options.unbiasedRunningVariance, let shape = shapes[slots.input] {
        let n = shape.count > 1 ? shape.reduce(1, *) / Swift.max(shape[1], 1) : 1
        if n > 1 { variance = try mul(variance, scalar(Float(n) / Float(n - 1))) }
      }
      let momentum = scalar(norm.momentum)
      let rest = scalar(1 - norm.momentum)
      result[norm.runningMean] = try Tensor.binary(
        .add, mul(runningMean.cast(to: .float32), momentum), mul(mean, rest)
      ).cast(to: runningMean.dtype)
      result[norm.runningVariance] = try Tensor.binary(
        .add, mul(runningVariance.cast(to: .float32), momentum), mul(variance, rest)
      ).cast(to: runningVariance.dtype)
    }
    return result
  }
}
