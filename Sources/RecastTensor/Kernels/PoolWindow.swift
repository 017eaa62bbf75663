/// The sliding-window loops of MaxPool and AveragePool over one `[H, W]` plane.
///
/// Output columns whose window lies inside the input (`interior`) run tap by tap over a whole output row,
/// with the common 2- and 3-wide stride-2 windows unrolled; the border columns take per-element window
/// bounds. Taps are visited in the same order on both paths (window rows, then columns), so the fast path
/// gives the same bytes as the generic one.
struct PoolWindow {
  let inH: Int
  let inW: Int
  let outH: Int
  let outW: Int
  let kw: Int
  let sh: Int
  let sw: Int
  let dh: Int
  let dw: Int
  let pt: Int
  let pl: Int
  let interior: Range<Int>
  let countIncludePad: Bool

  /// NaN-propagating maximum step (a NaN tap wins, as in onnxruntime).
  @inline(__always)
  static func larger(_ best: Float, _ v: Float) -> Float { v > best || v.isNaN ? v : best }

  /// MaxPool of one plane. `rows` / `columns` hold three Ints per output row / column (see `windows`).
  func maxPlane(
    _ source: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: UnsafePointer<Int>,
    columns: UnsafePointer<Int>
  ) {
    let (lo, hi) = (interior.lowerBound, interior.upperBound)
    for oh in 0..<outH {
      let (i0, ni) = (rows[3 * oh], rows[3 * oh + 1])
      let h0 = oh * sh - pt + i0 * dh
      let y = out + oh * outW
      for ow in 0..<lo { y[ow] = maxWindow(source, h0: h0, ni: ni, ow: ow, columns: columns) }
      for ow in hi..<outW { y[ow] = maxWindow(source, h0: h0, ni: ni, ow: ow, columns: columns) }
      if lo >= hi { continue }
      if kw == 2 && sw == 2 && dw == 1 && ni == 2 {
        maxPairs(source + h0 * inW - pl, source + (h0 + dh) * inW - pl, y, lo..<hi)
        continue
      }
      (y + lo).update(repeating: -Float.infinity, count: hi - lo)
      for i in 0..<ni {
        let row = source + (h0 + i * dh) * inW - pl
        if kw == 2 && sw == 2 && dw == 1 {
          for ow in lo..<hi {
            let p = row + 2 * ow
            y[ow] = PoolWindow.larger(PoolWindow.larger(y[ow], p[0]), p[1])
          }
        } else if kw == 3 && sw == 2 && dw == 1 {
          for ow in lo..<hi {
            let p = row + 2 * ow
            y[ow] = PoolWindow.larger(PoolWindow.larger(PoolWindow.larger(y[ow], p[0]), p[1]), p[2])
          }
        } else {
          for ow in lo..<hi {
            let p = row + ow * sw
            var best = y[ow]
            for j in 0..<kw { best = PoolWindow.larger(best, p[j * dw]) }
            y[ow] = best
          }
        }
      }
    }
  }

  /// AveragePool of one plane. `rows` / `columns` hold three Ints per output row / column (see `windows`).
  func averagePlane(
    _ source: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: UnsafePointer<Int>,
    columns: UnsafePointer<Int>
  ) {
    let (lo, hi) = (interior.lowerBound, interior.upperBound)
    for oh in 0..<outH {
      let (i0, ni, pi) = (rows[3 * oh], rows[3 * oh + 1], rows[3 * oh + 2])
      let h0 = oh * sh - pt + i0 * dh
      let y = out + oh * outW
      for ow in 0..<lo { y[ow] = averageWindow(source, h0: h0, ni: ni, pi: pi, ow: ow, columns: columns) }
      for ow in hi..<outW { y[ow] = averageWindow(source, h0: h0, ni: ni, pi: pi, ow: ow, columns: columns) }
      if lo >= hi { continue }
      (y + lo).update(repeating: 0, count: hi - lo)
      for i in 0..<ni {
        let row = source + (h0 + i * dh) * inW - pl
        if kw == 2 && sw == 2 && dw == 1 {
          for ow in lo..<hi {
            let p = row + 2 * ow
            y[ow] = y[ow] + p[0] + p[1]
          }
        } else if kw == 3 && sw == 2 && dw == 1 {
          for ow in lo..<hi {
            let p = row + 2 * ow
            y[ow] = y[ow] + p[0] + p[1] + p[2]
          }
        } else {
          for ow in lo..<hi {
            let p = row + ow * sw
            var sum = y[ow]
            for j in 0..<kw { sum += p[j * dw] }
            y[ow] = sum
          }
        }
      }
      let divisor = countIncludePad ? pi * kw : ni * kw
      let scale: Float = divisor > 0 ? 1 / Float(divisor) : 0
      if divisor > 0 {
        for ow in lo..<hi { y[ow] = y[ow] / Float(divisor) }
      } else {
        for ow in lo..<hi { y[ow] = scale }
      }
    }
  }

  /// 2×2 stride-2 windows over rows `r0` and `r1` into `y[range]`, four outputs per SIMD step.
  @inline(__always)
  private func maxPairs(
    _ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>
  ) {
    var ow = range.lowerBound
    while ow + 4 <= range.upperBound {
      let a = UnsafeRawPointer(r0 + 2 * ow).loadUnaligned(as: SIMD8<Float>.self)
      let b = UnsafeRawPointer(r1 + 2 * ow).loadUnaligned(as: SIMD8<Float>.self)
      let rows = PoolWindow.larger(a, b)
      UnsafeMutableRawPointer(y + ow).storeBytes(
        of: PoolWindow.larger(rows.evenHalf, rows.oddHalf), as: SIMD4<Float>.self)
      ow += 4
    }
    while ow < range.upperBound {
      let p = r0 + 2 * ow
      let q = r1 + 2 * ow
      let top = PoolWindow.larger(PoolWindow.larger(-.infinity, p[0]), p[1])
      y[ow] = PoolWindow.larger(PoolWindow.larger(top, q[0]), q[1])
      ow += 1
    }
  }

  /// Whether `g` is a 2×2 stride-2 window without padding or dilation over planes of even height and width, where
  /// output row `r` of the whole tensor (planes stacked) is the maximum of input rows `2r` and `2r + 1`.
  static func isPairwise(_ g: SpatialGeometry) -> Bool {
    g.kernel == [2, 2] && g.strides == [2, 2] && g.dilations == [1, 1] && g.padBegin == [0, 0]
      && g.padEnd == [0, 0] && g.input[0] % 2 == 0 && g.input[1] % 2 == 0
      && g.output == [g.input[0] / 2, g.input[1] / 2]
  }

  /// MaxPool 2×2 stride 2 over stacked planes (see `isPairwise`): output rows `rows`, input rows `width` floats.
  /// Taps combine as in `maxPairs` (the two rows lane-wise, then each pair of columns).
  static func maxPairRows(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int
  ) {
    let half = width / 2
    var r = rows.lowerBound
    if width % 8 == 0 {
      for r in rows {
        let (top, bottom, out) = (
          UnsafeRawPointer(x + 2 * r * width), UnsafeRawPointer(x + (2 * r + 1) * width), y + r * half
        )
        for j in stride(from: 0, to: width, by: 8) {
          let v = larger(
            top.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self),
            bottom.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self))
          UnsafeMutableRawPointer(out + j / 2).storeBytes(of: larger(v.evenHalf, v.oddHalf), as: SIMD4<Float>.self)
        }
      }
      return
    }
    if width == 4 {
      // Two row pairs (16 consecutive floats) give four consecutive outputs.
      while r + 2 <= rows.upperBound {
        let source = UnsafeRawPointer(x + 8 * r)
        let a = source.loadUnaligned(as: SIMD8<Float>.self)
        let b = source.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        let v = SIMD8(lowHalf: larger(a.lowHalf, a.highHalf), highHalf: larger(b.lowHalf, b.highHalf))
        UnsafeMutableRawPointer(y + 2 * r).storeBytes(of: larger(v.evenHalf, v.oddHalf), as: SIMD4<Float>.self)
        r += 2
      }
    }
    while r < rows.upperBound {
      let (top, bottom, out) = (x + 2 * r * width, x + (2 * r + 1) * width, y + r * half)
      for j in 0..<half {
        let (p, q) = (top + 2 * j, bottom + 2 * j)
        out[j] = larger(larger(p[0], q[0]), larger(p[1], q[1]))
      }
      r += 1
    }
  }

  /// Lane-wise NaN-propagating maximum.
  @inline(__always)
  static func larger(_ best: SIMD8<Float>, _ v: SIMD8<Float>) -> SIMD8<Float> {
    var result = best
    result.replace(with: v, where: (v .> best) .| (v .!= v))
    return result
  }

  /// Lane-wise NaN-propagating maximum.
  @inline(__always)
  static func larger(_ best: SIMD4<Float>, _ v: SIMD4<Float>) -> SIMD4<Float> {
    var result = best
    result.replace(with: v, where: (v .> best) .| (v .!= v))
    return result
  }

  /// The maximum over one border window (only its taps inside the input).
  @inline(__always)
  private func maxWindow(
    _ source: UnsafePointer<Float>, h0: Int, ni: Int, ow: Int, columns: UnsafePointer<Int>
  ) -> Float {
    let (j0, nj) = (columns[3 * ow], columns[3 * ow + 1])
    let w0 = ow * sw - pl + j0 * dw
    var best = -Float.infinity
    for i in 0..<ni {
      let row = source + (h0 + i * dh) * inW + w0
      for j in 0..<nj { best = PoolWindow.larger(best, row[j * dw]) }
    }
    return best
  }

  /// The mean over one border window.
  @inline(__always)
  private func averageWindow(
    _ source: UnsafePointer<Float>, h0: Int, ni: Int, pi: Int, ow: Int, columns: UnsafePointer<Int>
  ) -> Float {
    let (j0, nj, pj) = (columns[3 * ow], columns[3 * ow + 1], columns[3 * ow + 2])
    let w0 = ow * sw - pl + j0 * dw
    var sum: Float = 0
    for i in 0..<ni {
      let row = source + (h0 + i * dh) * inW + w0
      for j in 0..<nj { sum += row[j * dw] }
    }
    let divisor = countIncludePad ? pi * pj : ni * nj
    return divisor > 0 ? sum / Float(divisor) : 0
  }
}
