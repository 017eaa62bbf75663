public import RecastTensor

/// The result of `TrainingExecutor.forward`: the outputs, the updated BatchNormalization running statistics,
/// and the forward values the gradient rules kept, from which `backward` differentiates.
///
/// `backward` may be called more than once (with different seeds); the tape does not change.
public struct GradientTape: Sendable {
  /// The graph outputs by name.
  public let outputs: [String: Tensor]
  /// Running means and variances after this batch (empty with `BatchNormMode.runningStatistics`).
  public let runningStatistics: [String: Tensor]

  /// Names of the computed values the tape holds for `backward` (graph outputs included, constants excluded),
  /// sorted: what the memory plan kept instead of freeing.
  public var keptValues: [String] {
    let plan = executor.plan
    return values.indices.filter { values[$0] != nil && plan.initial[$0] == nil }.map { plan.names[$0] }.sorted()
  }

  let executor: TrainingExecutor
  let values: [Tensor?]
  let shapes: [[Int]?]
  let types: [DataType?]
  let requires: [Bool]

  init(
    executor: TrainingExecutor, outputs: [String: Tensor], runningStatistics: [String: Tensor], values: [Tensor?],
    shapes: [[Int]?], types: [DataType?], requires: [Bool]
  ) {
    self.executor = executor
    self.outputs = outputs
    self.runningStatistics = runningStatistics
    self.values = values
    self.shapes = shapes
    self.types = types
    self.requires = requires
  }

  /// Gradients of `L = Σ_outputs ⟨seed, output⟩` with respect to every trainable name: `seed` holds dL/d(output)
  /// for some graph outputs (float32, the output's shape); outputs without a seed contribute nothing. A
  /// trainable value the seeded outputs do not depend on gets zeros.
  public func backward(seed: [String: Tensor]) throws(AutodiffError) -> [String: Tensor] {
    let plan = executor.plan
    var gradients = [Tensor?](repeating: nil, count: plan.names.count)
    for name in seed.keys.sorted() {
      let value = seed[name]!
      guard let binding = plan.outputs.first(where: { $0.name == name }) else {
        throw AutodiffError(
          .seed, "'\(name)' is not a graph output (outputs: \(plan.outputs.map(\.name).joined(separator: ", ")))")
      }
      guard value.dtype == .float32, value.shape == shapes[binding.slot] else {
        throw AutodiffError(
          .seed,
          "the seed for '\(name)' is \(value.dtype) \(value.shape); the output is float32 \(shapes[binding.slot] ?? [])"
        )
      }
      try accumulate(value, into: &gradients, slot: binding.slot)
    }
    let keep = Set(executor.trainableSlots.map(\.slot))
    for (position, step) in plan.steps.enumerated().reversed() {
      guard let rule = executor.steps[position].rule else { continue }
      let outputGradients = step.outputs.map { $0 >= 0 ? gradients[$0] : nil }
      guard outputGradients.contains(where: { $0 != nil }) else { continue }
      let needs = step.inputs.map { $0 >= 0 && requires[$0] }
      guard needs.contains(true) else { continue }
      let context = GradientContext(
        label: executor.steps[position].label,
        inputs: step.inputs.enumerated().map { k, slot in
          slot >= 0 && rule.savedInputs.contains(k) ? values[slot] : nil
        },
        outputs: step.outputs.enumerated().map { k, slot in
          slot >= 0 && rule.savedOutputs.contains(k) ? values[slot] : nil
        },
        inputShapes: step.inputs.map { $0 >= 0 ? shapes[$0] : nil },
        inputTypes: step.inputs.map { $0 >= 0 ? types[$0] : nil },
        outputShapes: step.outputs.map { $0 >= 0 ? shapes[$0] : nil },
        outputGradients: outputGradients, needsGradient: needs)
      let inputGradients: [Tensor?]
      do {
        inputGradients = try rule.backward(context)
      } catch {
        throw AutodiffError(.kernel, "node \(context.label): backward failed: \(error)")
      }
      for (k, slot) in step.inputs.enumerated() where needs[k] && k < inputGradients.count {
        guard let gradient = inputGradients[k] else { continue }
        guard gradient.shape == shapes[slot] else {
          throw AutodiffError(
            .kernel,
            "node \(context.label): the gradient of input \(k) has shape \(gradient.shape); the input is "
              + "\(shapes[slot] ?? [])")
        }
        try accumulate(gradient, into: &gradients, slot: slot)
      }
      // This node's output gradients are consumed.
      for slot in step.outputs where slot >= 0 && !keep.contains(slot) { gradients[slot] = nil }
    }
    var result: [String: Tensor] = [:]
    for (name, slot) in executor.trainableSlots {
      if gradients[slot] == nil && executor.options.optionalGradients.contains(name) { continue }
      result[name] = gradients[slot] ?? Tensor(zeros: .float32, shape: shapes[slot] ?? [])
    }
    return result
  }

  private func accumulate(_ gradient: Tensor, into gradients: inout [Tensor?], slot: Int) throws(AutodiffError) {
    guard let existing = gradients[slot] else {
      gradients[slot] = gradient
      return
    }
    do {
      gradients[slot] = try Tensor.binary(.add, existing, gradient)
    } catch {
      throw AutodiffError(.kernel, "accumulating the gradient of '\(executor.plan.names[slot])': \(error)")
    }
  }
}
