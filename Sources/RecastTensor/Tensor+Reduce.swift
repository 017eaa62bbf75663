#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// ONNX reductions (`ReduceSum`, `ReduceMean`, `ReduceMax`, `ReduceMin`, `ReduceProd`, `ReduceL1`,
/// `ReduceL2`, `ReduceSumSquare`, `ReduceLogSumExp`).
public enum ReduceOperator: String, Sendable, CaseIterable {
  case sum, mean, max, min, prod, l1, l2, sumSquare, logSumExp
}

extension Tensor {
  /// Reduces float32 `self` over `axes` (negative allowed). Absent or empty `axes` reduce every axis,
  /// unless `noopWithEmptyAxes`, which returns the input unchanged. `keepDims` keeps reduced axes as 1.
  /// Sums accumulate in Float with eight partial sums per row (so they differ from numpy's pairwise
  /// summation by a few ulps).
  public func reduced(
    _ op: ReduceOperator, axes: [Int]? = nil, keepDims: Bool = true, noopWithEmptyAxes: Bool = false
  ) throws(TensorError) -> Tensor {
    guard dtype == .float32 else { throw TensorError("Reduce\(op): unsupported type \(dtype)") }
    if (axes ?? []).isEmpty && noopWithEmptyAxes { return self }
    let resolved = try Shape.normalize(axes: (axes ?? []).isEmpty ? Array(0..<rank) : axes!, rank: rank, op: "Reduce")
      .sorted()
    var outShape: [Int] = []
    for axis in 0..<rank {
      if !resolved.contains(axis) { outShape.append(shape[axis]) } else if keepDims { outShape.append(1) }
    }
    // Bring the reduced axes together: contiguous already, or moved to the end by a transpose.
    var source = self
    var outer: Int
    var inner: Int
    if let first = resolved.first, resolved.last! - first + 1 == resolved.count {
      outer = shape[..<first].reduce(1, *)
      inner = shape[(resolved.last! + 1)...].reduce(1, *)
    } else if resolved.isEmpty {
      outer = count
      inner = 1
    } else {
      let kept = (0..<rank).filter { !resolved.contains($0) }
      source = try transposed(perm: kept + resolved)
      outer = kept.reduce(1) { $0 * shape[$1] }
      inner = 1
    }
    let length = resolved.reduce(1) { $0 * shape[$1] }
    var out = Tensor(zeros: .float32, shape: outShape)
    source.withUnsafeBufferPointer(as: Float.self) { px in
      out.withUnsafeMutableBufferPointer(as: Float.self) { py in
        guard let x = px.baseAddress, let y = py.baseAddress else { return }
        parallelFor(outer, grain: Swift.max(1, Parallelism.elementwiseGrain / Swift.max(length * inner, 1))) { rows in
          for o in rows {
            Tensor.reduceBlock(op, x + o * length * inner, length: length, inner: inner, into: y + o * inner)
          }
        }
      }
    }
    return out
  }

  /// Reduces `[length, inner]` at `x` over its first axis into `inner` values at `y`.
  static func reduceBlock(
    _ op: ReduceOperator, _ x: UnsafePointer<Float>, length: Int, inner: Int, into y: UnsafeMutablePointer<Float>
  ) {
    if inner == 1 {
      y[0] = reduceRow(op, x, length)
      return
    }
    let initial: Float =
      switch op {
      case .max, .logSumExp: -.infinity
      case .min: .infinity
      case .prod: 1
      default: 0
      }
    y.update(repeating: initial, count: inner)
    for j in 0..<length {
      let row = x + j * inner
      switch op {
      case .sum, .mean: for i in 0..<inner { y[i] += row[i] }
      case .max, .logSumExp: for i in 0..<inner { y[i] = row[i] > y[i] || row[i].isNaN ? row[i] : y[i] }
      case .min: for i in 0..<inner { y[i] = row[i] < y[i] || row[i].isNaN ? row[i] : y[i] }
      case .prod: for i in 0..<inner { y[i] *= row[i] }
      case .l1: for i in 0..<inner { y[i] += Swift.abs(row[i]) }
      case .l2, .sumSquare: for i in 0..<inner { y[i] += row[i] * row[i] }
      }
    }
    switch op {
    case .mean:
      let scale = 1 / Float(length)
      for i in 0..<inner { y[i] *= scale }
    case .l2: for i in 0..<inner { y[i] = y[i].squareRoot() }
    case .logSumExp:
      // Second pass with the per-column maximum held in y.
      for i in 0..<inner {
        let m = y[i]
        var s: Float = 0
        for j in 0..<length { s += expf(x[j * inner + i] - m) }
        y[i] = m.isFinite ? m + logf(s) : m
      }
    default: break
    }
  }

  /// Reduces `n` contiguous floats.
  static func reduceRow(_ op: ReduceOperator, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
    switch op {
    case .sum: return sum(x, n) { $0 }
    case .mean: return n == 0 ? .nan : sum(x, n) { $0 } / Float(n)
    case .l1: return sum(x, n) { Swift.abs($0) }
    case .l2: return sum(x, n) { $0 * $0 }.squareRoot()
    case .sumSquare: return sum(x, n) { $0 * $0 }
    case .max:
      var m = -Float.infinity
      for i in 0..<n where x[i] > m || x[i].isNaN { m = x[i] }
      return m
    case .min:
      var m = Float.infinity
      for i in 0..<n where x[i] < m || x[i].isNaN { m = x[i] }
      return m
    case .prod:
      var p: Float = 1
      for i in 0..<n { p *= x[i] }
      return p
    case .logSumExp:
      let m = reduceRow(.max, x, n)
      guard m.isFinite else { return m }
      var s: Float = 0
      for i in 0..<n { s += expf(x[i] - m) }
      return m + logf(s)
    }
  }

  /// Σ f(x[i]) with eight independent accumulators (vectorisable, and more accurate than one).
  @inline(__always)
  static func sum(_ x: UnsafePointer<Float>, _ n: Int, _ f: (Float) -> Float) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n {
      acc += SIMD8(f(x[i]), f(x[i + 1]), f(x[i + 2]), f(x[i + 3]), f(x[i + 4]), f(x[i + 5]), f(x[i + 6]), f(x[i + 7]))
      i += 8
    }
    var total = acc.sum()
    while i < n {
      total += f(x[i])
      i += 1
    }
    return total
  }
}
