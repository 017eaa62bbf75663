public import RecastTensor

/// Per-group minimum and maximum of a tensor, in the scale tensor's row-major order.
///
/// Reduction ignores NaN (a comparison with NaN never replaces the running value). A group with no finite
/// element keeps `min = +∞`, `max = −∞`; `QParams.compute` treats such a group as the range `[0, 0]`.
public struct GroupRange: Sendable, Hashable {
  public var min: [Float]
  public var max: [Float]
  /// Shape of the scale tensor these groups index (`[]` per-tensor, `[C]` per-channel, blocked shape per-block).
  public var scaleShape: [Int]

  public init(min: [Float], max: [Float], scaleShape: [Int]) {
    precondition(min.count == max.count, "\(min.count) minima for \(max.count) maxima")
    self.min = min
    self.max = max
    self.scaleShape = scaleShape
  }

  /// The per-group min/max of a float32 tensor for `granularity` (axis resolved). Parallel over chunks.
  public init(of x: Tensor, granularity: Granularity) throws(QuantizationError) {
    guard x.dtype == .float32 else { throw QuantizationError("quantization observes float32 tensors, found \(x.dtype)") }
    let layout = try GroupLayout(shape: x.shape, granularity: granularity)
    self = GroupRange.reduce(x, layout)
  }

  /// Elementwise union with another range of the same shape: `min(a, b)`, `max(a, b)`.
  public func union(_ other: GroupRange) throws(QuantizationError) -> GroupRange {
    guard other.scaleShape == scaleShape else {
      throw QuantizationError("cannot merge ranges of scale shapes \(scaleShape) and \(other.scaleShape)")
    }
    var result = self
    for g in min.indices {
      result.min[g] = Swift.min(min[g], other.min[g])
      result.max[g] = Swift.max(max[g], other.max[g])
    }
    return result
  }

  static func reduce(_ x: Tensor, _ layout: GroupLayout) -> GroupRange {
    let groups = layout.groupCount
    var lo = [Float](repeating: .infinity, count: groups)
    var hi = [Float](repeating: -.infinity, count: groups)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      guard let xs = px.baseAddress, layout.count > 0 else { return }
      if let unit = layout.ownershipUnit {
        // Blocks: each chunk owns whole groups, so it writes the shared arrays directly.
        lo.withUnsafeMutableBufferPointer { pl in
          hi.withUnsafeMutableBufferPointer { ph in
            let (l, h) = (SendableBox(pl.baseAddress!), SendableBox(ph.baseAddress!))
            QuantParallel.chunks(layout.count, unit: unit) { range in
              reduceRuns(xs, range, layout, l.value, h.value)
            }
          }
        }
        return
      }
      // Shared groups: each piece reduces into its own partial arrays, merged afterwards.
      let pieces = QuantParallel.pieceCount(layout.count)
      var partLo = [Float](repeating: .infinity, count: groups * pieces)
      var partHi = [Float](repeating: -.infinity, count: groups * pieces)
      partLo.withUnsafeMutableBufferPointer { pl in
        partHi.withUnsafeMutableBufferPointer { ph in
          let (l, h) = (SendableBox(pl.baseAddress!), SendableBox(ph.baseAddress!))
          let perPiece = pieces <= 1 ? layout.count : chunkSize(layout.count, pieces)
          QuantParallel.chunks(layout.count) { range in
            let piece = range.lowerBound / perPiece
            reduceRuns(xs, range, layout, l.value + piece * groups, h.value + piece * groups)
          }
        }
      }
      for p in 0..<pieces {
        for g in 0..<groups {
          let (a, b) = (partLo[p * groups + g], partHi[p * groups + g])
          if a < lo[g] { lo[g] = a }
          if b > hi[g] { hi[g] = b }
        }
      }
    }
    return GroupRange(min: lo, max: hi, scaleShape: layout.scaleShape)
  }

  /// Mirrors `QuantParallel.chunks`' piece size for unit 1.
  private static func chunkSize(_ count: Int, _ pieces: Int) -> Int { (count + pieces - 1) / pieces }

  @inline(__always)
  private static func reduceRuns(
    _ x: UnsafePointer<Float>, _ range: Range<Int>, _ layout: GroupLayout, _ lo: UnsafeMutablePointer<Float>,
    _ hi: UnsafeMutablePointer<Float>
  ) {
    layout.forEachRun(in: range) { start, end, group, stride in
      if stride == 0 {
        let (a, b) = minMax(x + start, end - start)
        if a < lo[group] { lo[group] = a }
        if b > hi[group] { hi[group] = b }
      } else {
        let l = lo + group
        let h = hi + group
        let xr = x + start
        for i in 0..<(end - start) {
          let v = xr[i]
          l[i] = v < l[i] ? v : l[i]
          h[i] = v > h[i] ? v : h[i]
        }
      }
    }
  }

  /// Min and max of `n` contiguous floats, NaN ignored; two eight-lane accumulator pairs so the loop vectorises
  /// without waiting on one dependency chain.
  @inline(__always)
  static func minMax(_ x: UnsafePointer<Float>, _ n: Int) -> (Float, Float) {
    var lo = SIMD8<Float>(repeating: .infinity)
    var hi = SIMD8<Float>(repeating: -.infinity)
    var loB = lo
    var hiB = hi
    var i = 0
    while i + 16 <= n {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
      let w = UnsafeRawPointer(x + i + 8).loadUnaligned(as: SIMD8<Float>.self)
      lo.replace(with: v, where: v .< lo)
      hi.replace(with: v, where: v .> hi)
      loB.replace(with: w, where: w .< loB)
      hiB.replace(with: w, where: w .> hiB)
      i += 16
    }
    if i + 8 <= n {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
      lo.replace(with: v, where: v .< lo)
      hi.replace(with: v, where: v .> hi)
      i += 8
    }
    lo.replace(with: loB, where: loB .< lo)
    hi.replace(with: hiB, where: hiB .> hi)
    // Lane reductions by halves (the generic `SIMD.min()`/`max()` are not inlined).
    var lo4 = lo.lowHalf
    var hi4 = hi.lowHalf
    lo4.replace(with: lo.highHalf, where: lo.highHalf .< lo4)
    hi4.replace(with: hi.highHalf, where: hi.highHalf .> hi4)
    var lo2 = lo4.lowHalf
    var hi2 = hi4.lowHalf
    lo2.replace(with: lo4.highHalf, where: lo4.highHalf .< lo2)
    hi2.replace(with: hi4.highHalf, where: hi4.highHalf .> hi2)
    var a = lo2[1] < lo2[0] ? lo2[1] : lo2[0]
    var b = hi2[1] > hi2[0] ? hi2[1] : hi2[0]
    while i < n {
      let v = x[i]
      a = v < a ? v : a
      b = v > b ? v : b
      i += 1
    }
    return (a, b)
  }
}
