import RecastTensor

/// Input checks: every declared input given once with its declared type and shape, symbolic dimensions bound
/// consistently across inputs, and (optionally) finite values.
extension Executor {
  /// The slot array for a run of `plan`, with `inputs` placed after checking them.
  func bind(_ inputs: [String: Tensor], plan: ExecutionPlan) throws(ExecutorError) -> [Tensor?] {
    var values = plan.initial
    let declared = Set(plan.inputs.map(\.binding.name))
    if let extra = inputs.keys.filter({ !declared.contains($0) }).sorted().first {
      let names = plan.inputs.map(\.binding.name).joined(separator: ", ")
      throw ExecutorError(.unexpectedInput, "'\(extra)' is not an input of the graph (inputs: \(names))")
    }
    var symbols: [String: (size: Int, input: String)] = [:]
    for (binding, info) in plan.inputs {
      guard let tensor = inputs[binding.name] else {
        throw ExecutorError(.missingInput, "input '\(binding.name)' is missing (expected \(info))")
      }
      try check(tensor, against: info, symbols: &symbols)
      if options.checkFinite { try Self.checkFinite(tensor, name: binding.name) }
      values[binding.slot] = tensor
    }
    return values
  }

  private func check(
    _ tensor: Tensor, against info: ValueInfo, symbols: inout [String: (size: Int, input: String)]
  ) throws(ExecutorError) {
    if let type = info.elementType, type != tensor.dtype {
      throw ExecutorError(.inputType, "input '\(info.name)' must be \(type); found \(tensor.dtype) \(tensor.shape)")
    }
    guard let dimensions = info.shape else { return }
    let expected = dimensions.shapeDescription
    guard dimensions.count == tensor.rank else {
      throw ExecutorError(
        .inputShape,
        "input '\(info.name)' must have rank \(dimensions.count) \(expected); found rank \(tensor.rank) \(tensor.shape)"
      )
    }
    for (axis, dimension) in dimensions.enumerated() {
      let size = tensor.shape[axis]
      switch dimension {
      case .fixed(let want) where want != size:
        throw ExecutorError(
          .inputShape, "input '\(info.name)' must have shape \(expected); found \(tensor.shape) (axis \(axis))")
      case .symbolic(let symbol):
        if let bound = symbols[symbol], bound.size != size {
          throw ExecutorError(
            .inputShape,
            "input '\(info.name)' has \(symbol) = \(size) on axis \(axis), but input '\(bound.input)' bound "
              + "\(symbol) = \(bound.size)")
        }
        symbols[symbol] = (size, info.name)
      default: break
      }
    }
  }

  /// Throws naming `name` and the first element that is NaN or infinite.
  static func checkFinite(_ tensor: Tensor, name: String) throws(ExecutorError) {
    let bad: Int?
    switch tensor.dtype {
    case .float32: bad = tensor.withUnsafeBufferPointer(as: Float.self) { $0.firstIndex { !$0.isFinite } }
    case .float64: bad = tensor.withUnsafeBufferPointer(as: Double.self) { $0.firstIndex { !$0.isFinite } }
    case let dtype where dtype.isFloatingPoint: bad = tensor.floats().firstIndex { !$0.isFinite }
    default: bad = nil
    }
    guard let bad else { return }
    var index: [Int] = []
    var rest = bad
    for size in tensor.shape.reversed() {
      index.append(rest % max(size, 1))
      rest /= max(size, 1)
    }
    let value = tensor.floats()[bad]
    throw ExecutorError(
      .nonFinite,
      "input '\(name)' holds \(value) at index [\(index.reversed().map(String.init).joined(separator: ", "))] "
        + "(flat \(bad)) of shape \(tensor.shape)")
  }
}
