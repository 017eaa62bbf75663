/// Element types a tensor can hold. Raw values are ONNX's `TensorProto.DataType` numbers.
public enum DataType: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  case float32 = 1
  case uint8 = 2
  case int8 = 3
  case uint16 = 4
  case int16 = 5
  case int32 = 6
  case int64 = 7
  case string = 8
  case bool = 9
  case float16 = 10
  case float64 = 11
  case uint32 = 12
  case uint64 = 13
  case bfloat16 = 16
  case float8e4m3fn = 17
  case float8e4m3fnuz = 18
  case float8e5m2 = 19
  case float8e5m2fnuz = 20
  case uint4 = 21
  case int4 = 22
  case float4e2m1 = 23
  case float8e8m0 = 24
  case uint2 = 25
  case int2 = 26

  /// Bits per element as stored (sub-byte types are packed, low bits first, as ONNX stores them).
  public var bitWidth: Int {
    switch self {
    case .bool, .uint8, .int8, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0: 8
    case .uint16, .int16, .float16, .bfloat16: 16
    case .float32, .int32, .uint32: 32
    case .float64, .int64, .uint64: 64
    case .uint4, .int4, .float4e2m1: 4
    case .uint2, .int2: 2
    case .string: 0
    }
  }

  /// Bytes needed for `count` elements (sub-byte types rounded up to whole bytes).
  public func byteCount(for count: Int) -> Int { (count * bitWidth + 7) / 8 }

  /// ONNX's name for the type (`float`, `int64`, `float8e4m3fn`, ...).
  public var onnxName: String {
    switch self {
    case .float32: "float"
    case .float64: "double"
    case .float16: "float16"
    case .uint8: "uint8"
    case .int8: "int8"
    case .uint16: "uint16"
    case .int16: "int16"
    case .int32: "int32"
    case .int64: "int64"
    case .string: "string"
    case .bool: "bool"
    case .uint32: "uint32"
    case .uint64: "uint64"
    case .bfloat16: "bfloat16"
    case .float8e4m3fn: "float8e4m3fn"
    case .float8e4m3fnuz: "float8e4m3fnuz"
    case .float8e5m2: "float8e5m2"
    case .float8e5m2fnuz: "float8e5m2fnuz"
    case .uint4: "uint4"
    case .int4: "int4"
    case .float4e2m1: "float4e2m1"
    case .float8e8m0: "float8e8m0"
    case .uint2: "uint2"
    case .int2: "int2"
    }
  }

  public var description: String { onnxName }

  public var isFloatingPoint: Bool {
    switch self {
    case .float32, .float64, .float16, .bfloat16, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz,
      .float4e2m1, .float8e8m0:
      true
    default: false
    }
  }
}
