/// Vectorised `QuantizeLinear` for 8- and 4-bit integer formats in the `zp` formulation.
///
/// Each element computes exactly what `KernelPlan.code` computes — the true quotient `v = x / s` (NaN → 0),
/// clamped to `[lo − 1, hi + 1]`, rounded half to even by adding `1.5·2²³`, clamped to `[lo, hi]` — but stays in
/// the shifted domain `t = v + 1.5·2²³`: there the integer `c = t − 1.5·2²³` sits in the low mantissa bits, so the
/// low byte of `t`'s bit pattern is `c`'s two's-complement low byte. Adding the zero point's low byte then gives
/// the stored code byte without a float-to-integer conversion, and every step vectorises.
enum IntegerCodes {
  /// `1.5·2²³`: adding it rounds `|v| < 2²²` to an integer, half to even.
  static let magic: Float = 12_582_912

  /// The per-group constants of one scale group.
  struct Group {
    /// Scale `s`.
    let scale: Float
    /// `lo − 1` and `hi + 1`, the pre-rounding clamp that keeps the shifted sum exact.
    let below: Float
    let above: Float
    /// `lo + 1.5·2²³` and `hi + 1.5·2²³`, the clamp in the shifted domain.
    let low: Float
    let high: Float
    /// The zero point's low byte, added with wrap-around.
    let zero: UInt32

    /// Constants for scale `s` and zero point `z` of a format with range `[qmin, qmax]`.
    @inline(__always)
    init(scale s: Float, zeroPoint z: Int32, qmin: Float, qmax: Float) {
      let lo = qmin - Float(z)
      let hi = qmax - Float(z)
      scale = s
      below = lo - 1
      above = hi + 1
      low = lo + IntegerCodes.magic
      high = hi + IntegerCodes.magic
      zero = UInt32(truncatingIfNeeded: z)
    }

    /// The code byte of one element (only the low `bits` bits matter for sub-byte formats).
    @inline(__always)
    func code(_ x: Float) -> UInt8 {
      var v = x / scale
      v = v != v ? 0 : v
      v = v < below ? below : v
      v = v > above ? above : v
      var t = v + IntegerCodes.magic
      t = t < low ? low : t
      t = t > high ? high : t
      return UInt8(truncatingIfNeeded: t.bitPattern &+ zero)
    }

    /// The shifted values `t` of eight elements as bit patterns (zero point not yet added).
    @inline(__always)
    func shifted(_ x: UnsafePointer<Float>) -> SIMD8<UInt32> {
      var v = UnsafeRawPointer(x).loadUnaligned(as: SIMD8<Float>.self) / SIMD8(repeating: scale)
      v.replace(with: 0, where: v .!= v)
      v.replace(with: below, where: v .< below)
      v.replace(with: above, where: v .> above)
      var t = v + IntegerCodes.magic
      t.replace(with: low, where: t .< low)
      t.replace(with: high, where: t .> high)
      return unsafeBitCast(t, to: SIMD8<UInt32>.self)
    }
  }

  /// One byte per code: elements `start..<end` of `x` sharing `group`, written to `out[start..<end]`.
  @inline(__always)
  static func bytes(
    _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int, _ group: Group
  ) {
    var i = start
    let zero = SIMD8<UInt32>(repeating: group.zero)
    while i + 8 <= end {
      let codes = SIMD8<UInt8>(truncatingIfNeeded: group.shifted(x + i) &+ zero)
      UnsafeMutableRawPointer(out + i).storeBytes(of: codes, as: SIMD8<UInt8>.self)
      i += 8
    }
    while i < end {
      out[i] = group.code(x[i])
      i += 1
    }
  }

  /// Two codes per byte, low nibble first: elements `start..<end` of `x` sharing `group`, written to the nibbles
  /// of `out[start / 2 ...]`.
  ///
  /// Elements must be visited in increasing order within a byte: an even element sets its byte (high nibble 0),
  /// the following odd element ORs in its high nibble. Callers split work on even element boundaries.
  @inline(__always)
  static func nibbles(
    _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int, _ group: Group
  ) {
    var i = start
    if i < end && i & 1 == 1 {
      out[i >> 1] |= (group.code(x[i]) & 0x0F) << 4
      i += 1
    }
    let zero = SIMD4<UInt32>(repeating: group.zero)
    while i + 8 <= end {
      let t = group.shifted(x + i)
      let packed = ((t.evenHalf &+ zero) & 0x0F) | (((t.oddHalf &+ zero) & 0x0F) &<< 4)
      UnsafeMutableRawPointer(out + (i >> 1)).storeBytes(
        of: SIMD4<UInt8>(truncatingIfNeeded: packed), as: SIMD4<UInt8>.self)
      i += 8
    }
    while i < end {
      let c = group.code(x[i]) & 0x0F
      if i & 1 == 0 { out[i >> 1] = c } else { out[i >> 1] |= c << 4 }
      i += 1
    }
  }

  /// Writes the codes of `x[range]` for `layout`, with `scale`/`zeroPoint` in the layout's group order. `bits`
  /// is 8 (one byte per element) or 4 (two per byte; `range` must start on an even element).
  static func write(
    _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>, _ range: Range<Int>, _ layout: GroupLayout,
    scale: UnsafePointer<Float>, zeroPoint: UnsafePointer<Int32>, qmin: Float, qmax: Float, bits: Int
  ) {
    layout.forEachRun(in: range) { start, end, g, stride in
      if stride == 0 {
        let group = Group(scale: scale[g], zeroPoint: zeroPoint[g], qmin: qmin, qmax: qmax)
        if bits == 8 { bytes(x, out, start, end, group) } else { nibbles(x, out, start, end, group) }
        return
      }
      // One group per element (the axis is the innermost dimension): constants per element.
      for i in start..<end {
        let k = g + i - start
        let c = Group(scale: scale[k], zeroPoint: zeroPoint[k], qmin: qmin, qmax: qmax).code(x[i])
        if bits == 8 {
          out[i] = c
        } else if i & 1 == 0 {
          out[i >> 1] = c & 0x0F
        } else {
          out[i >> 1] |= (c & 0x0F) << 4
        }
      }
    }
  }
}
