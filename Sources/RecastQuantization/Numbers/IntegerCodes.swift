/// Vectorised `QuantizeLinear` for 8- and 4-bit integer formats in the `zp` formulation.
///
/// Each element gets exactly `KernelPlan.code`'s value `clamp(round(clamp(v, lo − 1, hi + 1)), lo, hi)` for the
/// true quotient `v = x / s` (NaN → 0), computed as `round(clamp(v, lo, hi))`: rounding is monotone and fixes the
/// integers `lo`, `hi`, so both clamps can move before it and the tighter one absorbs the looser. The rounding
/// adds `1.5·2²³` (half to even, exact for `|v| ≤ 2²²`), and the sum `t` holds the integer `c = t − 1.5·2²³` in its
/// low mantissa bits, so the low byte of `t`'s bit pattern is `c`'s two's-complement low byte. Adding the zero
/// point's low byte gives the stored code byte without a float-to-integer conversion, and every step vectorises.
enum IntegerCodes {
  /// `1.5·2²³`: adding it rounds `|v| < 2²²` to an integer, half to even.
  static let magic: Float = 12_582_912

  /// The per-group constants of one scale group.
  struct Group {
    /// Scale `s`.
    let scale: Float
    /// The code range relative to the zero point, `[qmin − z, qmax − z]` (it contains 0).
    let low: Float
    let high: Float
    /// The zero point's low byte, added with wrap-around.
    let zero: UInt32

    /// Constants for scale `s` and zero point `z` of a format with range `[qmin, qmax]`.
    @inline(__always)
    init(scale s: Float, zeroPoint z: Int32, qmin: Float, qmax: Float) {
      scale = s
      low = qmin - Float(z)
      high = qmax - Float(z)
      zero = UInt32(truncatingIfNeeded: z)
    }

    /// The code byte of one element (only the low `bits` bits matter for sub-byte formats).
    @inline(__always)
    func code(_ x: Float) -> UInt8 {
      var v = x / scale
      v = v != v ? 0 : v
      v = v < low ? low : v
      v = v > high ? high : v
      return UInt8(truncatingIfNeeded: (v + IntegerCodes.magic).bitPattern &+ zero)
    }

    /// The shifted values `t` of eight elements as bit patterns (zero point not yet added). Masked replacement
    /// rather than `pointwiseMin`/`pointwiseMax`, which are not inlined.
    @inline(__always)
    func shifted(_ x: UnsafePointer<Float>) -> SIMD8<UInt32> {
      var v = UnsafeRawPointer(x).loadUnaligned(as: SIMD8<Float>.self) / SIMD8(repeating: scale)
      v.replace(with: 0, where: v .!= v)
      v.replace(with: low, where: v .< low)
      v.replace(with: high, where: v .> high)
      return unsafeBitCast(v + IntegerCodes.magic, to: SIMD8<UInt32>.self)
    }
  }

  /// The low nibbles of eight lanes as one little-endian word, lane `k` in bits `4k..<4k+4` (ONNX's int4 layout:
  /// even element in the low nibble). Halves and lane shifts only: the generic `SIMD8<UInt8>(truncatingIfNeeded:)`
  /// is not inlined and costs more than the arithmetic around it.
  @inline(__always)
  static func packNibbles(_ v: SIMD8<UInt32>) -> UInt32 {
    let c = (v.lowHalf & 0xF) | ((v.highHalf & 0xF) &<< 16)  // lanes k | k+4 << 16
    let d = c.lowHalf | (c.highHalf &<< 8)  // lanes (0, 2, 4, 6) and (1, 3, 5, 7) at 8-bit steps
    return d[0] | (d[1] &<< 4)
  }

  /// The low bytes of eight lanes as one little-endian word, lane `k` in bits `8k..<8k+8`.
  @inline(__always)
  static func packBytes(_ v: SIMD8<UInt32>) -> UInt64 {
    // Each 64-bit lane holds codes `2j | 2j+1 << 32`; folding the high one down by 24 bits pairs them in 16 bits.
    let a = unsafeBitCast(v.lowHalf & 0xFF, to: SIMD2<UInt64>.self)
    let b = unsafeBitCast(v.highHalf & 0xFF, to: SIMD2<UInt64>.self)
    let p = (a | (a &>> 24)) & 0xFFFF
    let q = (b | (b &>> 24)) & 0xFFFF
    return p[0] | (p[1] &<< 16) | (q[0] &<< 32) | (q[1] &<< 48)
  }

  /// One byte per code: elements `start..<end` of `x` sharing `group`, written to `out[start..<end]`.
  @inline(__always)
  static func bytes(
    _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int, _ group: Group
  ) {
    var i = start
    let zero = SIMD8<UInt32>(repeating: group.zero)
    while i + 8 <= end {
      UnsafeMutableRawPointer(out + i).storeBytes(of: packBytes(group.shifted(x + i) &+ zero), as: UInt64.self)
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
    let zero = SIMD8<UInt32>(repeating: group.zero)
    while i + 8 <= end {
      UnsafeMutableRawPointer(out + (i >> 1)).storeBytes(
        of: packNibbles(group.shifted(x + i) &+ zero), as: UInt32.self)
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
