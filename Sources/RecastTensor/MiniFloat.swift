/// The 8- and 4-bit floating-point formats ONNX defines (OCP FP8 E4M3FN and E5M2, their FNUZ variants,
/// FP4 E2M1 and the E8M0 scale type), with exact decoding and round-half-even encoding.
///
/// Encoding follows ONNX `Cast` / `QuantizeLinear`: the value is rounded half-to-even on the format's grid
/// (subnormals included). With `saturate` (ONNX's default) anything beyond the largest finite value,
/// infinities included, becomes ±max; without it, overflow becomes infinity where the format has one
/// (E5M2) and NaN otherwise. E2M1 has neither infinity nor NaN: it always saturates, and NaN encodes as
/// code 0x8 (−0), as onnx's reference implementation does.
public struct MiniFloat: Sendable, Hashable {
  public let exponentBits: Int
  public let mantissaBits: Int
  public let bias: Int
  /// IEEE-style: all-ones exponent holds infinity (mantissa 0) and NaN (E5M2).
  public let hasInfinity: Bool
  /// FNUZ: no negative zero; the negative-zero code 0x80 is the only NaN.
  public let isFNUZ: Bool
  /// Largest finite value.
  public let maxValue: Float

  public static let e4m3fn = MiniFloat(
    exponentBits: 4, mantissaBits: 3, bias: 7, hasInfinity: false, isFNUZ: false, maxValue: 448)
  public static let e5m2 = MiniFloat(
    exponentBits: 5, mantissaBits: 2, bias: 15, hasInfinity: true, isFNUZ: false, maxValue: 57344)
  public static let e4m3fnuz = MiniFloat(
    exponentBits: 4, mantissaBits: 3, bias: 8, hasInfinity: false, isFNUZ: true, maxValue: 240)
  public static let e5m2fnuz = MiniFloat(
    exponentBits: 5, mantissaBits: 2, bias: 16, hasInfinity: false, isFNUZ: true, maxValue: 57344)
  public static let e2m1 = MiniFloat(
    exponentBits: 2, mantissaBits: 1, bias: 1, hasInfinity: false, isFNUZ: false, maxValue: 6)

  /// The format stored by `dtype`, if it is one of the mini floats with a sign bit.
  public static func format(for dtype: DataType) -> MiniFloat? {
    switch dtype {
    case .float8e4m3fn: .e4m3fn
    case .float8e5m2: .e5m2
    case .float8e4m3fnuz: .e4m3fnuz
    case .float8e5m2fnuz: .e5m2fnuz
    case .float4e2m1: .e2m1
    default: nil
    }
  }

  public var bitWidth: Int { 1 + exponentBits + mantissaBits }
  var signBit: UInt8 { UInt8(1) << UInt8(exponentBits + mantissaBits) }
  /// Code of the largest finite positive value.
  public var maxCode: UInt8 { encodeFinite(maxValue) }

  /// Decodes one code (its low `bitWidth` bits) exactly.
  public func decode(_ code: UInt8) -> Float {
    let code = code & UInt8((1 << bitWidth) - 1)
    let negative = code & signBit != 0
    let magnitude = Int(code & (signBit - 1))
    let exponent = magnitude >> mantissaBits
    let mantissa = magnitude & ((1 << mantissaBits) - 1)
    if isFNUZ && code == signBit { return .nan }
    let allOnes = (1 << exponentBits) - 1
    if hasInfinity && exponent == allOnes { return mantissa == 0 ? (negative ? -.infinity : .infinity) : .nan }
    if !hasInfinity && !isFNUZ && bitWidth == 8 && magnitude == (1 << (bitWidth - 1)) - 1 { return .nan }
    let value: Float
    if exponent == 0 {
      value = Float(mantissa) * Float(sign: .plus, exponent: 1 - bias - mantissaBits, significand: 1)
    } else {
      value = Float(sign: .plus, exponent: exponent - bias, significand: 1 + Float(mantissa) / Float(1 << mantissaBits))
    }
    return negative ? -value : value
  }

  /// The NaN code (sign kept where the format allows).
  func nanCode(negative: Bool) -> UInt8 {
    if isFNUZ { return signBit }
    if bitWidth == 4 { return signBit }
    let sign = negative ? signBit : 0
    return hasInfinity ? sign | 0x7E : sign | 0x7F
  }

  /// Encodes `x`: round half to even on the grid, then saturate or overflow as described on the type.
  public func encode(_ x: Float, saturate: Bool = true) -> UInt8 {
    let negative = x.sign == .minus
    if x.isNaN { return nanCode(negative: negative) }
    let sign: UInt8 = negative ? signBit : 0
    let a = Swift.abs(x)
    if a > maxValue {
      // Values that still round down to max stay finite even without saturation.
      if saturate || bitWidth == 4 { return sign | maxCode }
      let rounded = roundToGrid(a)
      if rounded <= maxValue { return sign | maxCode }
      return hasInfinity ? sign | (UInt8((1 << exponentBits) - 1) << UInt8(mantissaBits)) : nanCode(negative: negative)
    }
    let code = encodeFinite(roundToGrid(a))
    if code == 0 { return isFNUZ ? 0 : sign }
    return sign | code
  }

  /// Rounds a non-negative finite or infinite magnitude half to even on the format's grid (no upper bound).
  @inline(__always)
  func roundToGrid(_ a: Float) -> Float {
    if a == 0 || a.isInfinite { return a }
    let exponent = Swift.max(Int(a.exponent), 1 - bias)
    let quantum = Float(sign: .plus, exponent: exponent - mantissaBits, significand: 1)
    return (a / quantum).rounded(.toNearestOrEven) * quantum
  }

  /// Code of a non-negative value already on the grid and at most `maxValue`.
  @inline(__always)
  func encodeFinite(_ q: Float) -> UInt8 {
    if q == 0 { return 0 }
    let minNormal = Float(sign: .plus, exponent: 1 - bias, significand: 1)
    if q < minNormal {
      return UInt8(Int(q / Float(sign: .plus, exponent: 1 - bias - mantissaBits, significand: 1)))
    }
    let exponent = Int(q.exponent)
    let mantissa = Int((q.significand - 1) * Float(1 << mantissaBits))
    return UInt8(((exponent + bias) << mantissaBits) | mantissa)
  }

  /// All `2^bitWidth` decoded values, indexed by code.
  public func decodeTable() -> [Float] { (0..<(1 << bitWidth)).map { decode(UInt8($0)) } }
}

/// Decoding of float8e8m0 (ONNX `FLOAT8E8M0`, the MX block-scale type): code `c` is `2^(c−127)`,
/// 0xFF is NaN; there is no sign and no zero.
public enum E8M0 {
  public static func decode(_ code: UInt8) -> Float {
    code == 0xFF ? .nan : Float(sign: .plus, exponent: Int(code) - 127, significand: 1)
  }

  /// Nearest power of two to a positive `x` (ties, i.e. `1.5 · 2^k`, round up), saturating to the range.
  public static func encode(_ x: Float) -> UInt8 {
    if x.isNaN { return 0xFF }
    if x <= 0 || x.isSubnormal && x < 0x1p-127 { return 0 }
    if x.isInfinite { return 0xFE }
    var exponent = Int(x.exponent)
    if x.significand >= 1.5 { exponent += 1 }
    return UInt8(Swift.min(254, Swift.max(0, exponent + 127)))
  }
}
