#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Block-copy operators: Gather, Concat, Split, Range, ConstantOfShape. Whole-byte dtypes only.
extension Tensor {
  var elementBytes: Int { dtype.bitWidth / 8 }

  /// ONNX `Gather`: picks entries of `self` along `axis` at `indices` (int64 or int32, negative counted from
  /// the end). Output shape: `shape[..<axis] + indices.shape + shape[(axis+1)...]`.
  public func gathered(_ indices: Tensor, axis: Int = 0) throws(TensorError) -> Tensor {
    let axis = try Shape.normalize(axis: axis, rank: rank, op: "Gather")
    guard dtype.bitWidth % 8 == 0, dtype.bitWidth > 0 else { throw TensorError("Gather: unsupported type \(dtype)") }
    guard indices.dtype == .int64 || indices.dtype == .int32 else {
      throw TensorError("Gather: indices must be int64 or int32, found \(indices.dtype)")
    }
    let index = indices.integers()
    let dim = shape[axis]
    for i in index where i < -dim || i >= dim {
      throw TensorError("Gather: index \(i) out of range for axis \(axis) of size \(dim)")
    }
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *) * elementBytes
    var out = Tensor(uninitialized: dtype, shape: Array(shape[..<axis]) + indices.shape + Array(shape[(axis + 1)...]))
    withUnsafeBytes { src in
      out.withUnsafeMutableBytes { dst in
        var o = 0
        for block in 0..<outer {
          for i in index {
            let j = i < 0 ? i + dim : i
            memcpy(dst + o, src + (block * dim + j) * inner, inner)
            o += inner
          }
        }
      }
    }
    return out
  }

  /// ONNX `Concat` along `axis` (negative allowed); all inputs share dtype and the other dimensions.
  public static func concat(_ tensors: [Tensor], axis: Int) throws(TensorError) -> Tensor {
    guard let first = tensors.first else { throw TensorError("Concat: no inputs") }
    let axis = try Shape.normalize(axis: axis, rank: first.rank, op: "Concat")
    var outShape = first.shape
    outShape[axis] = 0
    for t in tensors {
      var other = t.shape
      guard t.dtype == first.dtype, t.rank == first.rank else {
        throw TensorError("Concat: input \(t.dtype) \(t.shape) does not match \(first.dtype) \(first.shape)")
      }
      other[axis] = 0
      var expected = outShape
      expected[axis] = 0
      guard other == expected else {
        throw TensorError("Concat: shapes \(first.shape) and \(t.shape) differ off axis \(axis)")
      }
      outShape[axis] += t.shape[axis]
    }
    guard first.dtype.bitWidth % 8 == 0 else { throw TensorError("Concat: unsupported type \(first.dtype)") }
    var out = Tensor(uninitialized: first.dtype, shape: outShape)
    let outer = outShape[..<axis].reduce(1, *)
    let inner = outShape[(axis + 1)...].reduce(1, *) * first.elementBytes
    let outRow = outShape[axis] * inner
    out.withUnsafeMutableBytes { dst in
      var column = 0
      for t in tensors {
        let row = t.shape[axis] * inner
        t.withUnsafeBytes { src in
          for block in 0..<outer where row > 0 { memcpy(dst + block * outRow + column, src + block * row, row) }
        }
        column += row
      }
    }
    return out
  }

  /// ONNX `Split` along `axis` into pieces of the given sizes, or into `outputs` equal pieces (the last
  /// one smaller when the axis does not divide, as opset 18 specifies).
  public func split(axis: Int = 0, sizes: [Int]? = nil, outputs: Int? = nil) throws(TensorError) -> [Tensor] {
    let axis = try Shape.normalize(axis: axis, rank: rank, op: "Split")
    let dim = shape[axis]
    var pieces: [Int]
    if let sizes {
      guard sizes.reduce(0, +) == dim, sizes.allSatisfy({ $0 >= 0 }) else {
        throw TensorError("Split: sizes \(sizes) do not add up to \(dim)")
      }
      pieces = sizes
    } else {
      let n = outputs ?? 1
      guard n > 0 else { throw TensorError("Split: output count must be positive") }
      let size = (dim + n - 1) / n
      pieces = (0..<n).map { Swift.max(0, Swift.min(size, dim - $0 * size)) }
    }
    var result: [Tensor] = []
    var start = 0
    for piece in pieces {
      result.append(try sliced(starts: [start], ends: [start + piece], axes: [axis]))
      start += piece
    }
    return result
  }

  /// ONNX `Range`: `start, start+delta, …` while before `limit`; count `max(ceil((limit−start)/delta), 0)`.
  /// float32, int64 or int32.
  public static func range(start: Tensor, limit: Tensor, delta: Tensor) throws(TensorError) -> Tensor {
    guard start.dtype == limit.dtype, start.dtype == delta.dtype, start.count == 1, limit.count == 1, delta.count == 1
    else { throw TensorError("Range: start, limit and delta must be scalars of one type") }
    switch start.dtype {
    case .float32:
      let (s, l, d) = (start.floats()[0], limit.floats()[0], delta.floats()[0])
      guard d != 0 else { throw TensorError("Range: delta is 0") }
      let n = Swift.max(Int(((l - s) / d).rounded(.up)), 0)
      return Tensor(shape: [n], floats: (0..<n).map { s + Float($0) * d })
    case .int64, .int32:
      let (s, l, d) = (start.integers()[0], limit.integers()[0], delta.integers()[0])
      guard d != 0 else { throw TensorError("Range: delta is 0") }
      let n = Swift.max((l - s + d + (d > 0 ? -1 : 1)) / d, 0)
      let values = (0..<n).map { s + $0 * d }
      return start.dtype == .int64
        ? Tensor(shape: [n], scalars: values.map { Int64($0) }, dtype: .int64)
        : Tensor(shape: [n], scalars: values.map { Int32($0) }, dtype: .int32)
    default:
      throw TensorError("Range: unsupported type \(start.dtype)")
    }
  }

  /// ONNX `ConstantOfShape`: a tensor of `shape` filled with the single element of `value`
  /// (default: float32 zero).
  public static func constantOfShape(_ shape: [Int], value: Tensor? = nil) throws(TensorError) -> Tensor {
    let value = value ?? Tensor(shape: [1], floats: [0])
    guard value.count == 1, value.dtype.bitWidth % 8 == 0 else {
      throw TensorError("ConstantOfShape: value must hold one whole-byte element")
    }
    guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError("ConstantOfShape: negative dimension in \(shape)") }
    var out = Tensor(zeros: value.dtype, shape: shape)
    let width = value.elementBytes
    let pattern = value.rawBytes
    if pattern.allSatisfy({ $0 == 0 }) { return out }
    let n = out.count
    out.withUnsafeMutableBytes { dst in
      for i in 0..<n { for b in 0..<width { dst[i * width + b] = pattern[b] } }
    }
    return out
  }

  /// Raw read access to the storage bytes.
  func withUnsafeBytes<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
    try body(UnsafePointer(storage.pointer.assumingMemoryBound(to: UInt8.self)))
  }

  /// Raw write access to the storage bytes.
  mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutablePointer<UInt8>) throws -> R) rethrows -> R {
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    return try body(storage.pointer.assumingMemoryBound(to: UInt8.self))
  }
}
