/// Sub-byte element packing as ONNX stores it: element `i` sits in byte `i / (8 / bits)`, at bit offset
/// `(i % (8 / bits)) · bits` (low bits first); a trailing partial byte is zero-padded.
public enum Packing {
  /// Extracts `count` raw codes of `bits` bits (2 or 4) from `bytes`.
  public static func unpackCodes(_ bytes: [UInt8], bits: Int, count: Int) -> [UInt8] {
    precondition(bits == 2 || bits == 4, "packing supports 2- and 4-bit elements")
    precondition(bytes.count * 8 >= count * bits, "\(bytes.count) bytes cannot hold \(count) \(bits)-bit codes")
    let perByte = 8 / bits
    let mask = UInt8((1 << bits) - 1)
    return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
      bytes.withUnsafeBufferPointer { src in
        for i in 0..<count {
          out[i] = (src[i / perByte] >> UInt8((i % perByte) * bits)) & mask
        }
      }
      initialized = count
    }
  }

  /// Packs the low `bits` bits of each code (2 or 4), low bits first.
  public static func packCodes(_ codes: [UInt8], bits: Int) -> [UInt8] {
    precondition(bits == 2 || bits == 4, "packing supports 2- and 4-bit elements")
    let perByte = 8 / bits
    let mask = UInt8((1 << bits) - 1)
    var bytes = [UInt8](repeating: 0, count: (codes.count * bits + 7) / 8)
    bytes.withUnsafeMutableBufferPointer { out in
      codes.withUnsafeBufferPointer { src in
        if bits == 4 {
          let pairs = src.count / 2
          for j in 0..<pairs { out[j] = (src[2 * j] & 0x0F) | (src[2 * j + 1] << 4) }
          if src.count % 2 == 1 { out[pairs] = src[src.count - 1] & 0x0F }
        } else {
          for i in 0..<src.count { out[i / perByte] |= (src[i] & mask) << UInt8((i % perByte) * bits) }
        }
      }
    }
    return bytes
  }

  /// Unpacks int4/uint4/int2/uint2 elements as integers (signed types sign-extended).
  public static func unpack(_ bytes: [UInt8], dtype: DataType, count: Int) -> [Int8] {
    let bits = dtype.bitWidth
    let codes = unpackCodes(bytes, bits: bits, count: count)
    let signed = dtype == .int4 || dtype == .int2
    let shift = Int8(8 - bits)
    return codes.map { signed ? (Int8(bitPattern: $0) << shift) >> shift : Int8(bitPattern: $0) }
  }

  /// Packs integers into int4/uint4/int2/uint2 storage. Values must lie in the type's range.
  public static func pack(_ values: [Int8], dtype: DataType) -> [UInt8] {
    let (low, high) = range(of: dtype)
    precondition(values.allSatisfy { Int($0) >= low && Int($0) <= high }, "value out of range for \(dtype)")
    return packCodes(values.map { UInt8(bitPattern: $0) }, bits: dtype.bitWidth)
  }

  /// The representable integer range of an integer dtype (sub-byte ones included).
  public static func range(of dtype: DataType) -> (min: Int, max: Int) {
    switch dtype {
    case .int2: (-2, 1)
    case .uint2: (0, 3)
    case .int4: (-8, 7)
    case .uint4: (0, 15)
    case .int8: (-128, 127)
    case .uint8: (0, 255)
    case .int16: (-32768, 32767)
    case .uint16: (0, 65535)
    case .int32: (Int(Int32.min), Int(Int32.max))
    case .uint32: (0, Int(UInt32.max))
    case .bool: (0, 1)
    default: (Int.min, Int.max)
    }
  }
}

extension Tensor {
  /// A tensor of a packed sub-byte integer type (int4, uint4, int2, uint2) holding `values`.
  public init(shape: [Int], packing values: [Int8], dtype: DataType) {
    precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
    self.init(dtype: dtype, shape: shape, rawBytes: Packing.pack(values, dtype: dtype))
  }

  /// The elements of a packed sub-byte integer tensor (int4, uint4, int2, uint2) as integers.
  public func unpackedIntegers() -> [Int8] { Packing.unpack(rawBytes, dtype: dtype, count: count) }
}
