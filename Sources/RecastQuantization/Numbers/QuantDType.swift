public import RecastTensor

/// The quantized number formats a recipe may name. Raw values are the recipe spellings.
public enum QuantDType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  case int2, uint2, int4, uint4, int8, uint8
  case float8_e4m3fn
  case float8_e5m2
  /// FP4 E2M1. coreai-opt spells it `float4_e2m1fn_x2` (two codes per byte); both parse.
  case float4_e2m1fn

  /// Parses a recipe spelling, accepting the alias `float4_e2m1fn_x2`.
  public init?(parsing name: String) {
    if name == "float4_e2m1fn_x2" {
      self = .float4_e2m1fn
    } else {
      self.init(rawValue: name)
    }
  }

  /// Every spelling `init(parsing:)` accepts (for schema enums and did-you-mean hints).
  public static let acceptedSpellings: [String] = allCases.map(\.rawValue) + ["float4_e2m1fn_x2"]

  public var description: String { rawValue }

  /// Floating-point formats (`float8_*`, `float4_*`): values are rounded on the format's own grid.
  public var isFloat: Bool {
    switch self {
    case .float8_e4m3fn, .float8_e5m2, .float4_e2m1fn: true
    default: false
    }
  }

  /// Signed formats (all float formats are signed).
  public var isSigned: Bool {
    switch self {
    case .uint2, .uint4, .uint8: false
    default: true
    }
  }

  /// Bits per element.
  public var bitWidth: Int { onnxType.bitWidth }

  /// The ONNX element type a `QuantizeLinear` producing this format outputs.
  public var onnxType: DataType {
    switch self {
    case .int2: .int2
    case .uint2: .uint2
    case .int4: .int4
    case .uint4: .uint4
    case .int8: .int8
    case .uint8: .uint8
    case .float8_e4m3fn: .float8e4m3fn
    case .float8_e5m2: .float8e5m2
    case .float4_e2m1fn: .float4e2m1
    }
  }

  /// The mini-float format, for float dtypes.
  public var miniFloat: MiniFloat? { MiniFloat.format(for: onnxType) }

  /// Smallest code: `−2^(b−1)` for signed integers, 0 for unsigned, `−formatMax` for floats.
  public var qmin: Int {
    if let format = miniFloat { return -Int(format.maxValue) }
    return isSigned ? -(1 << (bitWidth - 1)) : 0
  }

  /// Largest code: `2^(b−1) − 1` for signed integers, `2^b − 1` for unsigned, `formatMax` for floats
  /// (448 for e4m3fn, 57344 for e5m2, 6 for e2m1 — all integers).
  public var qmax: Int {
    if let format = miniFloat { return Int(format.maxValue) }
    return isSigned ? (1 << (bitWidth - 1)) - 1 : (1 << bitWidth) - 1
  }

  /// Largest finite magnitude of a float format; `nil` for integers.
  public var formatMax: Float? { miniFloat?.maxValue }

  /// The symmetric zero point: 0 for signed formats, `2^(b−1)` for unsigned (128, 8, 2).
  public var symmetricZeroPoint: Int { isSigned ? 0 : 1 << (bitWidth - 1) }

  /// Whether an activation may use this format: int8, uint8, float8_e4m3fn, and float8_e5m2 (with a warning).
  public var isValidForActivations: Bool {
    switch self {
    case .int8, .uint8, .float8_e4m3fn, .float8_e5m2: true
    default: false
    }
  }

  /// Activation formats that are accepted but deserve a warning (limited runtime support): float8_e5m2.
  public var activationNeedsWarning: Bool { self == .float8_e5m2 }
}
