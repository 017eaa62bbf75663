import RecastTensor

/// Shape rules for ops that move data around: shape queries, reshapes, gathers, slices, reductions.
extension ShapeInferencer {
  /// `Shape(x)`: 1-D int64 whose values are x's dimensions (symbolic ones included), honouring `start`/`end`.
  func shapeOp(_ node: Node) -> [InferredValue] {
    guard let shape = input(node, 0).shape else { return [InferredValue(dtype: .int64, shape: [.unknown])] }
    let rank = shape.count
    func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
    let start = clamp(node.int("start", default: 0))
    let end = clamp(node.int("end", default: rank))
    let dims = start < end ? Array(shape[start..<end]) : []
    return [InferredValue(dtype: .int64, shape: [.fixed(dims.count)], constant: dims.map(SymbolicScalar.init))]
  }

  func sizeConstant(_ node: Node) -> [SymbolicScalar]? {
    input(node, 0).shape.map { [SymbolicScalar(ShapeAlgebra.productDimension($0))] }
  }

  /// `Reshape(x, shape)`: `0` copies x's dimension (unless `allowzero`), `-1` takes what is left.
  func reshape(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    let target = input(node, 1)
    guard let requested = target.constant else {
      let rank = target.shape?.first?.value
      return [
        InferredValue(dtype: x.dtype, shape: rank.flatMap { $0 <= 64 ? Array(repeating: .unknown, count: $0) : nil })
      ]
    }
    let allowZero = node.int("allowzero", default: 0) != 0
    var dims: [Dimension] = []
    var inferAt: Int?
    for (axis, scalar) in requested.enumerated() {
      switch scalar {
      case .number(-1):
        guard inferAt == nil else { throw failure(node, "the shape has more than one -1") }
        inferAt = axis
        dims.append(.unknown)
      case .number(0) where !allowZero:
        guard let shape = x.shape else {
          dims.append(.unknown)
          continue
        }
        guard axis < shape.count else {
          throw failure(node, "shape entry \(axis) is 0 but the input has rank \(shape.count)")
        }
        dims.append(shape[axis])
      default: dims.append(scalar.dimension)
      }
    }
    if let inferAt, let shape = x.shape {
      var known = dims
      known.remove(at: inferAt)
      dims[inferAt] = ShapeAlgebra.quotient(shape, known)
    }
    return [InferredValue(dtype: x.dtype, shape: dims, constant: x.constant)]
  }

  /// `Flatten(x, axis)`: `[product(before axis), product(from axis)]`.
  func flatten(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    guard let shape = x.shape else { return [InferredValue(dtype: x.dtype, shape: [.unknown, .unknown])] }
    let raw = node.int("axis", default: 1)
    let axis = raw < 0 ? raw + shape.count : raw
    guard (0...shape.count).contains(axis) else {
      throw failure(node, "axis \(raw) is out of range for rank \(shape.count)")
    }
    let dims = [ShapeAlgebra.productDimension(shape[..<axis]), ShapeAlgebra.productDimension(shape[axis...])]
    return [InferredValue(dtype: x.dtype, shape: dims, constant: x.constant)]
  }

  /// Axes from input `slot` (newer opsets) or the `axes` attribute (older ones); `nil` if not known.
  func axes(_ node: Node, slot: Int) -> [Int]? {
    if node.input(slot) != nil { return input(node, slot).ints }
    return node.ints("axes")
  }

  /// `Squeeze(x, axes)`: removes the listed size-1 axes, or every fixed 1 when no axes are given.
  func squeeze(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    guard let shape = x.shape else { return [InferredValue(dtype: x.dtype, shape: nil)] }
    let hasAxes = node.input(1) != nil || node.attributes["axes"] != nil
    guard let rawAxes = hasAxes ? axes(node, slot: 1) : [] else { return [InferredValue(dtype: x.dtype, shape: nil)] }
    var remove = Set<Int>()
    for raw in rawAxes {
      guard let axis = ShapeAlgebra.normalize(axis: raw, rank: shape.count) else {
        throw failure(node, "axis \(raw) is out of range for shape \(shape.shapeDescription)")
      }
      remove.insert(axis)
    }
    if !hasAxes {
      guard !shape.contains(where: { $0 == .unknown }) else { return [InferredValue(dtype: x.dtype, shape: nil)] }
      remove = Set(shape.indices.filter { shape[$0] == .fixed(1) })
    }
    let dims = shape.indices.filter { !remove.contains($0) }.map { shape[$0] }
    return [InferredValue(dtype: x.dtype, shape: dims, constant: x.constant)]
  }

  /// `Unsqueeze(x, axes)`: inserts size-1 axes at the listed positions of the output.
  func unsqueeze(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    guard let shape = x.shape, let rawAxes = axes(node, slot: 1) else {
      return [InferredValue(dtype: x.dtype, shape: nil)]
    }
    let rank = shape.count + rawAxes.count
    var inserted = Set<Int>()
    for raw in rawAxes {
      guard let axis = ShapeAlgebra.normalize(axis: raw, rank: rank) else {
        throw failure(node, "axis \(raw) is out of range for output rank \(rank)")
      }
      inserted.insert(axis)
    }
    var source = shape.makeIterator()
    let dims = (0..<rank).map { inserted.contains($0) ? Dimension.fixed(1) : (source.next() ?? .unknown) }
    return [InferredValue(dtype: x.dtype, shape: dims, constant: x.constant)]
  }

  /// `Concat(inputs, axis)`: sizes along `axis` add up; the other dimensions must agree.
  func concat(_ node: Node) throws(GraphError) -> [InferredValue] {
    let parts = node.inputs.indices.map { input(node, $0) }
    let dtype = parts.lazy.compactMap(\.dtype).first
    let shapes = parts.compactMap(\.shape)
    guard shapes.count == parts.count, let first = shapes.first else {
      return [InferredValue(dtype: dtype, shape: shapes.first.map { Array(repeating: .unknown, count: $0.count) })]
    }
    let raw = node.int("axis", default: 0)
    guard let axis = ShapeAlgebra.normalize(axis: raw, rank: first.count) else {
      throw failure(node, "axis \(raw) is out of range for rank \(first.count)")
    }
    var dims = first
    for shape in shapes.dropFirst() {
      guard shape.count == first.count else {
        throw failure(node, "inputs have different ranks: \(first.shapeDescription) and \(shape.shapeDescription)")
      }
      for i in dims.indices where i != axis {
        if dims[i] == .unknown { dims[i] = shape[i] }
      }
    }
    let sizes = shapes.map { $0[axis] }
    if let fixed = sizes.fixedSizes, fixed.allSatisfy({ $0 < 1 << 40 }) {
      dims[axis] = .fixed(fixed.reduce(0, +))
    } else {
      let nonZero = sizes.filter { $0 != .fixed(0) }
      dims[axis] = nonZero.count == 1 ? nonZero[0] : .unknown
    }
    var out = InferredValue(dtype: dtype, shape: dims)
    if first.count == 1, parts.allSatisfy({ $0.constant != nil }) {
      out.constant = parts.flatMap { $0.constant ?? [] }
    }
    return [out]
  }

  /// `Gather(data, indices, axis)`: `data[:axis] + indices.shape + data[axis+1:]`; folds 1-D constant data.
  func gather(_ node: Node) throws(GraphError) -> [InferredValue] {
    let (data, indices) = (input(node, 0), input(node, 1))
    guard let shape = data.shape, let indexShape = indices.shape else {
      return [InferredValue(dtype: data.dtype, shape: nil)]
    }
    let raw = node.int("axis", default: 0)
    guard let axis = ShapeAlgebra.normalize(axis: raw, rank: shape.count), !shape.isEmpty else {
      throw failure(node, "axis \(raw) is out of range for data \(shape.shapeDescription)")
    }
    let dims = Array(shape[..<axis]) + indexShape + Array(shape[(axis + 1)...])
    var out = InferredValue(dtype: data.dtype, shape: dims)
    if shape.count == 1, let values = data.constant, let picks = indices.ints {
      var gathered: [SymbolicScalar] = []
      for pick in picks {
        let i = pick < 0 ? pick + values.count : pick
        guard values.indices.contains(i) else {
          throw failure(node, "index \(pick) is out of range for \(values.count) elements")
        }
        gathered.append(values[i])
      }
      out.constant = gathered
    }
    return [out]
  }

  /// `Transpose(x, perm)`: permuted dimensions (reversed without `perm`).
  func transpose(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    guard let shape = x.shape else { return [InferredValue(dtype: x.dtype, shape: nil)] }
    let perm = node.ints("perm") ?? Array(shape.indices.reversed())
    guard perm.count == shape.count, Set(perm) == Set(shape.indices) else {
      throw failure(node, "perm \(perm) does not match input \(shape.shapeDescription)")
    }
    return [InferredValue(dtype: x.dtype, shape: perm.map { shape[$0] })]
  }

  /// `Expand(x, shape)`: broadcast of x's shape with the requested one; folds small constants.
  func expand(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    guard let requested = input(node, 1).dimensions, let shape = x.shape else {
      return [InferredValue(dtype: x.dtype, shape: nil)]
    }
    guard let dims = ShapeAlgebra.broadcast(shape, requested) else {
      throw failure(node, "cannot expand \(shape.shapeDescription) to \(requested.shapeDescription)")
    }
    var out = InferredValue(dtype: x.dtype, shape: dims)
    if let values = x.constant, let from = shape.fixedSizes, let to = dims.fixedSizes {
      out.constant = ShapeAlgebra.broadcastValues(values, shape: from, to: to)
    }
    return [out]
  }

  /// `Slice(x, starts, ends, axes, steps)`: per-axis clamped ranges; symbolic sizes survive a full slice.
  func slice(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    guard let shape = x.shape else { return [InferredValue(dtype: x.dtype, shape: nil)] }
    func scalars(_ slot: Int, _ attribute: String) -> [SymbolicScalar]? {
      node.input(slot) != nil ? input(node, slot).constant : node.ints(attribute)?.map { .number(Double($0)) }
    }
    guard let starts = scalars(1, "starts"), let ends = scalars(2, "ends"), starts.count == ends.count else {
      return [InferredValue(dtype: x.dtype, shape: Array(repeating: .unknown, count: shape.count))]
    }
    let axes = (node.input(3) != nil ? input(node, 3).ints : node.ints("axes")) ?? Array(0..<starts.count)
    let steps = (node.input(4) != nil ? input(node, 4).ints : nil) ?? Array(repeating: 1, count: starts.count)
    var dims = shape
    var ranges: [Int: (Int, Int, Int)] = [:]
    for i in starts.indices {
      guard i < axes.count, i < steps.count, let axis = ShapeAlgebra.normalize(axis: axes[i], rank: shape.count) else {
        throw failure(node, "slice axes \(axes) do not fit input \(shape.shapeDescription)")
      }
      guard steps[i] != 0 else { throw failure(node, "slice step is 0") }
      // Steps beyond the axis length behave like the length + 1; clamping keeps the arithmetic in range.
      let step = max(min(steps[i], Int(Int32.max)), -Int(Int32.max))
      guard case .fixed(let size) = shape[axis], size < 1 << 40, let startValue = starts[i].int,
        let endValue = ends[i].int
      else {
        // A symbolic bound: `x[0:n]` has size n (assumed in range); a full slice keeps the dimension.
        if step == 1, starts[i].int == 0, case .symbol = ends[i] {
          dims[axis] = ends[i].dimension
        } else if step == 1, starts[i].int == 0, let end = ends[i].int, end >= Int(Int32.max) {
          dims[axis] = shape[axis]
        } else {
          dims[axis] = .unknown
        }
        continue
      }
      func clamp(_ v: Int, _ low: Int, _ high: Int) -> Int {
        let v = max(min(v, 1 << 41), -(1 << 41))
        return min(max(v < 0 ? v + size : v, low), high)
      }
      let (start, end) =
        step > 0
        ? (clamp(startValue, 0, size), clamp(endValue, 0, size))
        : (clamp(startValue, -1, size - 1), clamp(endValue, -1, size - 1))
      let count = step > 0 ? max(0, (end - start + step - 1) / step) : max(0, (start - end - step - 1) / -step)
      dims[axis] = .fixed(count)
      ranges[axis] = (start, count, step)
    }
    var out = InferredValue(dtype: x.dtype, shape: dims)
    if shape.count == 1, let values = x.constant, dims[0] == shape[0] || ranges[0] != nil {
      let (start, count, step) = ranges[0] ?? (0, values.count, 1)
      out.constant = (0..<count).map { values[start + $0 * step] }
    }
    return [out]
  }

  /// `Reduce*(x, axes)`: reduced axes become 1 (`keepdims`, the default) or disappear.
  func reduce(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    guard let shape = x.shape else { return [InferredValue(dtype: x.dtype, shape: nil)] }
    let keep = node.int("keepdims", default: 1) != 0
    let hasAxes = node.input(1) != nil || node.attributes["axes"] != nil
    guard let rawAxes = hasAxes ? axes(node, slot: 1) : [] else {
      return [InferredValue(dtype: x.dtype, shape: keep ? Array(repeating: .unknown, count: shape.count) : nil)]
    }
    if rawAxes.isEmpty && node.int("noop_with_empty_axes", default: 0) != 0 {
      return [InferredValue(dtype: x.dtype, shape: shape)]
    }
    var reduced = Set<Int>()
    for raw in rawAxes {
      guard let axis = ShapeAlgebra.normalize(axis: raw, rank: shape.count) else {
        throw failure(node, "axis \(raw) is out of range for \(shape.shapeDescription)")
      }
      reduced.insert(axis)
    }
    if rawAxes.isEmpty { reduced = Set(shape.indices) }
    let dims: [Dimension] = shape.indices.compactMap { axis in
      reduced.contains(axis) ? (keep ? .fixed(1) : nil) : shape[axis]
    }
    return [InferredValue(dtype: x.dtype, shape: dims)]
  }
}
