extension Tensor {
  /// Sums a float32 gradient of a broadcast result back onto an operand's `shape`: over the leading axes the
  /// operand lacks and over the axes where it has size 1 (the reverse of numpy broadcasting).
  public func summed(toShape target: [Int]) throws(TensorError) -> Tensor {
    if shape == target { return self }
    guard target.count <= rank else { throw TensorError("cannot sum \(shape) onto the larger rank of \(target)") }
    let lead = rank - target.count
    var axes = Array(0..<lead)
    for (i, size) in target.enumerated() {
      let axis = lead + i
      if size == 1 && shape[axis] != 1 {
        axes.append(axis)
      } else if size != shape[axis] {
        throw TensorError("cannot sum \(shape) onto \(target): axis \(axis) has \(shape[axis]), target \(size)")
      }
    }
    guard !axes.isEmpty else { return reshaped(target) }
    return try reduced(.sum, axes: axes, keepDims: true).reshaped(target)
  }

  /// Gradient of `Gather(x, indices, axis)` with respect to `x [*, d, *]`: the rows of `dy` are added back onto
  /// the rows of a zero tensor of `inputShape` that the indices picked (repeated indices accumulate; negative
  /// indices count from the end). For embeddings this is the scatter-add onto the picked table rows.
  public static func gatherGradient(
    _ dy: Tensor, indices: Tensor, axis: Int, inputShape: [Int]
  ) throws(TensorError) -> Tensor {
    let axis = try Shape.normalize(axis: axis, rank: inputShape.count, op: "Gather gradient")
    guard dy.dtype == .float32 else { throw TensorError("Gather gradient: dY must be float32") }
    let expected = Array(inputShape[..<axis]) + indices.shape + Array(inputShape[(axis + 1)...])
    guard dy.shape == expected else {
      throw TensorError("Gather gradient: dY \(dy.shape) does not match the gathered shape \(expected)")
    }
    let index = indices.integers()
    let dim = inputShape[axis]
    for i in index where i < -dim || i >= dim {
      throw TensorError("Gather gradient: index \(i) out of range for axis \(axis) of size \(dim)")
    }
    let outer = inputShape[..<axis].reduce(1, *)
    let inner = inputShape[(axis + 1)...].reduce(1, *)
    var dx = Tensor(zeros: .float32, shape: inputShape)
    dy.withUnsafeBufferPointer(as: Float.self) { pg in
      dx.withUnsafeMutableBufferPointer(as: Float.self) { pd in
        guard let g = pg.baseAddress, let d = pd.baseAddress else { return }
        var source = g
        for block in 0..<outer {
          for i in index {
            let target = d + (block * dim + (i < 0 ? i + dim : i)) * inner
            for k in 0..<inner { target[k] += source[k] }
            source += inner
          }
        }
      }
    }
    return dx
  }

  /// Gradient of `Slice` with respect to its input of `inputShape`: `dy` written back at the sliced positions,
  /// zeros elsewhere. Arguments as `sliced(starts:ends:axes:steps:)` takes them.
  public static func sliceGradient(
    _ dy: Tensor, inputShape: [Int], starts: [Int], ends: [Int], axes: [Int]? = nil, steps: [Int]? = nil
  ) throws(TensorError) -> Tensor {
    guard dy.dtype == .float32 else { throw TensorError("Slice gradient: dY must be float32") }
    let count = inputShape.reduce(1, *)
    // Slicing the flat positions with the same arguments gives the source position of every output element.
    let positions = try Tensor(shape: inputShape, scalars: (0..<Int64(count)).map { $0 }, dtype: .int64)
      .sliced(starts: starts, ends: ends, axes: axes, steps: steps)
    return try scatter(dy, positions: positions, shape: inputShape, op: "Slice gradient")
  }

  /// Adds `values[i]` at flat position `positions[i]` of a zero float32 tensor of `shape`.
  static func scatter(_ values: Tensor, positions: Tensor, shape: [Int], op: String) throws(TensorError) -> Tensor {
    guard positions.shape == values.shape else {
      throw TensorError("\(op): dY \(values.shape) does not match the selected shape \(positions.shape)")
    }
    var out = Tensor(zeros: .float32, shape: shape)
    values.withUnsafeBufferPointer(as: Float.self) { pv in
      positions.withUnsafeBufferPointer(as: Int64.self) { pp in
        out.withUnsafeMutableBufferPointer(as: Float.self) { po in
          for i in 0..<pv.count { po[Int(pp[i])] += pv[i] }
        }
      }
    }
    return out
  }
}
