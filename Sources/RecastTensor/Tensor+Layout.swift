#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Shape-only and strided-copy operators: Reshape helpers, Unsqueeze, Squeeze, Flatten, Transpose, Expand,
/// Slice. They work on every whole-byte dtype (not on packed sub-byte types).
extension Tensor {
  /// ONNX `Reshape`: `0` copies the input dimension (unless `allowZero`), `-1` is inferred.
  public func reshaped(onnx requested: [Int], allowZero: Bool = false) throws(TensorError) -> Tensor {
    var target = requested
    var inferred: Int?
    for (i, d) in requested.enumerated() {
      if d == 0 && !allowZero {
        guard i < rank else { throw TensorError("Reshape: 0 at axis \(i) but input rank is \(rank)") }
        target[i] = shape[i]
      } else if d == -1 {
        guard inferred == nil else { throw TensorError("Reshape: more than one -1 in \(requested)") }
        inferred = i
      } else if d < 0 {
        throw TensorError("Reshape: invalid dimension \(d) in \(requested)")
      }
    }
    if let inferred {
      let known = target.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
      guard known > 0, count % known == 0 else { throw TensorError("Reshape: cannot reshape \(shape) to \(requested)") }
      target[inferred] = count / known
    }
    guard target.reduce(1, *) == count else { throw TensorError("Reshape: cannot reshape \(shape) to \(requested)") }
    return reshaped(target)
  }

  /// ONNX `Unsqueeze`: inserts size-1 axes at `axes` (of the output rank, negative allowed).
  public func unsqueezed(axes: [Int]) throws(TensorError) -> Tensor {
    let outRank = rank + axes.count
    let resolved = try Shape.normalize(axes: axes, rank: outRank, op: "Unsqueeze")
    var result: [Int] = []
    var source = shape.makeIterator()
    for axis in 0..<outRank { result.append(resolved.contains(axis) ? 1 : source.next()!) }
    return reshaped(result)
  }

  /// ONNX `Squeeze`: removes the size-1 `axes`, or every size-1 axis when `axes` is nil.
  public func squeezed(axes: [Int]? = nil) throws(TensorError) -> Tensor {
    guard let axes else { return reshaped(shape.filter { $0 != 1 }) }
    let resolved = try Shape.normalize(axes: axes, rank: rank, op: "Squeeze")
    for axis in resolved where shape[axis] != 1 {
      throw TensorError("Squeeze: axis \(axis) of \(shape) has size \(shape[axis]), not 1")
    }
    return reshaped(shape.enumerated().filter { !resolved.contains($0.offset) }.map(\.element))
  }

  /// ONNX `Flatten`: `[d0 … d(axis-1), d(axis) … dn]` → 2-D (axis in `[-rank, rank]`, default 1).
  public func flattened(axis: Int = 1) throws(TensorError) -> Tensor {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0, a <= rank else { throw TensorError("Flatten: axis \(axis) out of range for rank \(rank)") }
    return reshaped([shape[..<a].reduce(1, *), shape[a...].reduce(1, *)])
  }

  /// ONNX `Transpose`: output axis `i` is input axis `perm[i]` (default: reversed axes).
  public func transposed(perm: [Int]? = nil) throws(TensorError) -> Tensor {
    let perm = perm ?? Array((0..<rank).reversed())
    guard perm.count == rank, Set(perm) == Set(0..<rank) else {
      throw TensorError("Transpose: perm \(perm) is not a permutation of rank \(rank)")
    }
    if perm == Array(0..<rank) { return self }
    let inStrides = Shape.strides(shape)
    return try stridedCopy(offset: 0, strides: perm.map { inStrides[$0] }, shape: perm.map { shape[$0] })
  }

  /// ONNX `Expand`: broadcasts to `shape` (bidirectionally: the result has the broadcast of both shapes).
  public func expanded(to target: [Int]) throws(TensorError) -> Tensor {
    let outShape = try Shape.broadcast(shape, target)
    if outShape == shape { return self }
    return try stridedCopy(offset: 0, strides: Shape.broadcastStrides(shape, to: outShape), shape: outShape)
  }

  /// Unidirectional broadcast to exactly `target` (Gemm's C, BatchNorm parameters).
  func expanded(to target: [Int], op: String) throws(TensorError) -> Tensor {
    let outShape = try Shape.broadcast(shape, target)
    guard outShape == target else { throw TensorError("\(op): \(shape) does not broadcast to \(target)") }
    return try expanded(to: target)
  }

  /// ONNX `Slice`: for each listed axis, elements `starts[i] ..< ends[i]` by `steps[i]` (default 1), with
  /// negative starts/ends counted from the end and clamped as ONNX specifies (also for negative steps).
  public func sliced(starts: [Int], ends: [Int], axes: [Int]? = nil, steps: [Int]? = nil) throws(TensorError) -> Tensor
  {
    let axes = try Shape.normalize(axes: axes ?? Array(0..<starts.count), rank: rank, op: "Slice")
    let steps = steps ?? Array(repeating: 1, count: starts.count)
    guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
      throw TensorError("Slice: starts, ends, axes and steps must have the same length")
    }
    let inStrides = Shape.strides(shape)
    var outShape = shape
    var strides = inStrides
    var offset = 0
    for (i, axis) in axes.enumerated() {
      let dim = shape[axis]
      let step = steps[i]
      guard step != 0 else { throw TensorError("Slice: step 0 on axis \(axis)") }
      var start = starts[i] < 0 ? starts[i] + dim : starts[i]
      var end = ends[i] < 0 ? ends[i] + dim : ends[i]
      if step > 0 {
        start = Swift.min(Swift.max(start, 0), dim)
        end = Swift.min(Swift.max(end, 0), dim)
        outShape[axis] = Swift.max(0, (end - start + step - 1) / step)
      } else {
        start = Swift.min(Swift.max(start, 0), dim - 1)
        end = Swift.min(Swift.max(end, -1), dim - 1)
        outShape[axis] = Swift.max(0, (start - end + (-step) - 1) / (-step))
      }
      if outShape[axis] > 0 { offset += start * inStrides[axis] }
      strides[axis] = inStrides[axis] * step
    }
    return try stridedCopy(offset: offset, strides: strides, shape: outShape)
  }

  /// A new contiguous tensor of `shape` whose element at index `i` is this tensor's element at
  /// `offset + Σ i[k]·strides[k]`.
  func stridedCopy(offset: Int, strides: [Int], shape outShape: [Int]) throws(TensorError) -> Tensor {
    switch dtype.bitWidth {
    case 8: return stridedCopy(offset, strides, outShape, UInt8.self)
    case 16: return stridedCopy(offset, strides, outShape, UInt16.self)
    case 32: return stridedCopy(offset, strides, outShape, UInt32.self)
    case 64: return stridedCopy(offset, strides, outShape, UInt64.self)
    default: throw TensorError("layout operators do not support packed type \(dtype)")
    }
  }

  private func stridedCopy<T: BitwiseCopyable>(_ offset: Int, _ strides: [Int], _ outShape: [Int], _: T.Type) -> Tensor
  {
    var out = Tensor(uninitialized: dtype, shape: outShape)
    let total = out.count
    guard total > 0 else { return out }
    let inner = outShape.last ?? 1
    let innerStride = strides.last ?? 0
    let outer = total / inner
    let outerShape = Array(outShape.dropLast())
    let outerStrides = Array(strides.dropLast())
    withUnsafeBufferPointer(as: T.self) { src in
      out.withUnsafeMutableBufferPointer(as: T.self) { dst in
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        parallelFor(outer, grain: Swift.max(1, Parallelism.elementwiseGrain / inner)) { rows in
          // Odometer over the outer axes, started at the first row of this chunk.
          var index = [Int](repeating: 0, count: outerShape.count)
          var remaining = rows.lowerBound
          var base = offset
          for axis in stride(from: outerShape.count - 1, through: 0, by: -1) {
            index[axis] = remaining % outerShape[axis]
            remaining /= outerShape[axis]
            base += index[axis] * outerStrides[axis]
          }
          for row in rows {
            let from = s + base
            let to = d + row * inner
            if innerStride == 1 {
              to.update(from: from, count: inner)
            } else {
              for i in 0..<inner { to[i] = from[i * innerStride] }
            }
            var axis = outerShape.count - 1
            while axis >= 0 {
              index[axis] += 1
              base += outerStrides[axis]
              if index[axis] < outerShape[axis] { break }
              base -= outerStrides[axis] * outerShape[axis]
              index[axis] = 0
              axis -= 1
            }
          }
        }
      }
    }
    return out
  }
}
