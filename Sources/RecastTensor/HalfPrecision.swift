/// IEEE binary16 and bfloat16 conversions on bit patterns, so they behave the same on every platform
/// (Swift's `Float16` is missing on macOS x86). Float → 16-bit rounds half to even; NaN stays NaN.
public enum HalfPrecision {
  /// binary16 bits → Float (exact).
  @inlinable @inline(__always)
  public static func float(fromHalf h: UInt16) -> Float {
    let w = UInt32(h) << 16
    let sign = w & 0x8000_0000
    let twoW = w &+ w
    let normalized = Float(bitPattern: (twoW >> 4) &+ (0xE0 << 23)) * 0x1.0p-112
    let denormalized = Float(bitPattern: (twoW >> 17) | (126 << 23)) - 0.5
    let bits = twoW < (1 << 27) ? denormalized.bitPattern : normalized.bitPattern
    return Float(bitPattern: sign | bits)
  }

  /// Float → binary16 bits, round half to even; overflow gives ±infinity, NaN gives a quiet NaN.
  @inlinable @inline(__always)
  public static func half(fromFloat f: Float) -> UInt16 {
    var base = (Swift.abs(f) * 0x1.0p+112) * 0x1.0p-110
    let w = f.bitPattern
    let shl1W = w &+ w
    let sign = w & 0x8000_0000
    var bias = shl1W & 0xFF00_0000
    if bias < 0x7100_0000 { bias = 0x7100_0000 }
    base = Float(bitPattern: (bias >> 1) &+ 0x0780_0000) + base
    let bits = base.bitPattern
    let nonsign = ((bits >> 13) & 0x7C00) &+ (bits & 0x0FFF)
    return UInt16(truncatingIfNeeded: (sign >> 16) | (shl1W > 0xFF00_0000 ? 0x7E00 : nonsign))
  }

  /// bfloat16 bits → Float (exact).
  @inlinable @inline(__always)
  public static func float(fromBFloat16 b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

  /// Float → bfloat16 bits, round half to even; NaN gives a quiet NaN with the same sign.
  @inlinable @inline(__always)
  public static func bfloat16(fromFloat f: Float) -> UInt16 {
    let bits = f.bitPattern
    if f.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: rounded >> 16)
  }
}
