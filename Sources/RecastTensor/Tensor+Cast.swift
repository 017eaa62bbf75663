/// ONNX `Cast` between the numeric types.
///
/// - float → float rounds half to even (float8/float4 saturate per `saturate`, see `MiniFloat`).
/// - float → integer truncates toward zero, then wraps modulo 2^bits (as C casts do on x86 for values
///   in range); NaN becomes 0 and ±infinity the int64 limits before wrapping.
/// - integer → integer wraps modulo 2^bits; integer → float rounds to nearest.
/// - anything → bool is `x != 0` (NaN is true); bool → number is 0 or 1.
/// Strings are not supported. uint64 values above `Int64.max` convert through their bit pattern.
extension Tensor {
  public func cast(to target: DataType, saturate: Bool = true) throws(TensorError) -> Tensor {
    if target == dtype { return self }
    guard dtype != .string, target != .string else { throw TensorError("Cast: string tensors are not supported") }
    if dtype == .float32, let fast = castFromFloat32(to: target, saturate: saturate) { return fast }
    if dtype.isFloatingPoint {
      return Tensor.make(target, shape: shape, doubles: readDoubles(), saturate: saturate)
    }
    return Tensor.make(target, shape: shape, integers: readInt64s())
  }

  /// The elements converted to Float (any numeric dtype; sub-byte and mini-float types decoded).
  public func floats() -> [Float] {
    if dtype == .float32 { return scalars(as: Float.self) }
    return (try? cast(to: .float32))?.scalars(as: Float.self) ?? []
  }

  /// The elements of an integer or bool tensor as Int (shape and index operands).
  public func integers() -> [Int] {
    switch dtype {
    case .int64: return withUnsafeBufferPointer(as: Int64.self) { $0.map { Int($0) } }
    case .int32: return withUnsafeBufferPointer(as: Int32.self) { $0.map { Int($0) } }
    default:
      if dtype.isFloatingPoint { return readDoubles().map { $0.isFinite ? Int($0.rounded(.towardZero)) : 0 } }
      return readInt64s().map { Int($0) }
    }
  }

  private func castFromFloat32(to target: DataType, saturate: Bool) -> Tensor? {
    var out = Tensor(zeros: target, shape: shape)
    let n = count
    return withUnsafeBufferPointer(as: Float.self) { (src: UnsafeBufferPointer<Float>) -> Tensor? in
      switch target {
      case .float16:
        out.withUnsafeMutableBufferPointer(as: UInt16.self) { dst in
          for i in 0..<n { dst[i] = HalfPrecision.half(fromFloat: src[i]) }
        }
      case .bfloat16:
        out.withUnsafeMutableBufferPointer(as: UInt16.self) { dst in
          for i in 0..<n { dst[i] = HalfPrecision.bfloat16(fromFloat: src[i]) }
        }
      case .int64:
        out.withUnsafeMutableBufferPointer(as: Int64.self) { dst in
          for i in 0..<n { dst[i] = Tensor.truncate(Double(src[i])) }
        }
      case .int32:
        out.withUnsafeMutableBufferPointer(as: Int32.self) { dst in
          for i in 0..<n { dst[i] = Int32(truncatingIfNeeded: Tensor.truncate(Double(src[i]))) }
        }
      case .bool:
        out.withUnsafeMutableBufferPointer(as: UInt8.self) { dst in
          for i in 0..<n { dst[i] = src[i] != 0 ? 1 : 0 }
        }
      case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz:
        let format = MiniFloat.format(for: target)!
        out.withUnsafeMutableBufferPointer(as: UInt8.self) { dst in
          for i in 0..<n { dst[i] = format.encode(src[i], saturate: saturate) }
        }
      default:
        return nil
      }
      return out
    }
  }

  @inline(__always)
  static func truncate(_ x: Double) -> Int64 {
    if x.isNaN { return 0 }
    if x >= 9.223372036854775807e18 { return .max }
    if x <= -9.223372036854775808e18 { return .min }
    return Int64(x.rounded(.towardZero))
  }

  /// Elements of a floating-point tensor as Double (exact).
  func readDoubles() -> [Double] {
    switch dtype {
    case .float32: return withUnsafeBufferPointer(as: Float.self) { $0.map { Double($0) } }
    case .float64: return scalars(as: Double.self)
    case .float16:
      return withUnsafeBufferPointer(as: UInt16.self) { $0.map { Double(HalfPrecision.float(fromHalf: $0)) } }
    case .bfloat16:
      return withUnsafeBufferPointer(as: UInt16.self) { $0.map { Double(HalfPrecision.float(fromBFloat16: $0)) } }
    case .float8e8m0:
      return withUnsafeBufferPointer(as: UInt8.self) { $0.map { Double(E8M0.decode($0)) } }
    case .float4e2m1:
      let table = MiniFloat.e2m1.decodeTable()
      return Packing.unpackCodes(rawBytes, bits: 4, count: count).map { Double(table[Int($0)]) }
    default:
      let table = MiniFloat.format(for: dtype)!.decodeTable()
      return withUnsafeBufferPointer(as: UInt8.self) { $0.map { Double(table[Int($0)]) } }
    }
  }

  /// Elements of an integer or bool tensor as Int64 (uint64 by bit pattern).
  func readInt64s() -> [Int64] {
    switch dtype {
    case .int8: return withUnsafeBufferPointer(as: Int8.self) { $0.map { Int64($0) } }
    case .uint8, .bool: return withUnsafeBufferPointer(as: UInt8.self) { $0.map { Int64($0) } }
    case .int16: return withUnsafeBufferPointer(as: Int16.self) { $0.map { Int64($0) } }
    case .uint16: return withUnsafeBufferPointer(as: UInt16.self) { $0.map { Int64($0) } }
    case .int32: return withUnsafeBufferPointer(as: Int32.self) { $0.map { Int64($0) } }
    case .uint32: return withUnsafeBufferPointer(as: UInt32.self) { $0.map { Int64($0) } }
    case .int64: return scalars(as: Int64.self)
    case .uint64: return withUnsafeBufferPointer(as: UInt64.self) { $0.map { Int64(bitPattern: $0) } }
    case .int4, .uint4, .int2, .uint2: return unpackedIntegers().map { Int64($0) }
    default: preconditionFailure("\(dtype) is not an integer type")
    }
  }

  static func make(_ target: DataType, shape: [Int], doubles: [Double], saturate: Bool) -> Tensor {
    if target.isFloatingPoint { return make(target, shape: shape, floatValues: doubles, saturate: saturate) }
    if target == .bool { return Tensor(shape: shape, scalars: doubles.map { UInt8($0 != 0 ? 1 : 0) }, dtype: .bool) }
    return make(target, shape: shape, integers: doubles.map { truncate($0) })
  }

  static func make(_ target: DataType, shape: [Int], integers: [Int64]) -> Tensor {
    switch target {
    case .int8: return Tensor(shape: shape, scalars: integers.map { Int8(truncatingIfNeeded: $0) }, dtype: target)
    case .uint8: return Tensor(shape: shape, scalars: integers.map { UInt8(truncatingIfNeeded: $0) }, dtype: target)
    case .bool: return Tensor(shape: shape, scalars: integers.map { UInt8($0 != 0 ? 1 : 0) }, dtype: target)
    case .int16: return Tensor(shape: shape, scalars: integers.map { Int16(truncatingIfNeeded: $0) }, dtype: target)
    case .uint16: return Tensor(shape: shape, scalars: integers.map { UInt16(truncatingIfNeeded: $0) }, dtype: target)
    case .int32: return Tensor(shape: shape, scalars: integers.map { Int32(truncatingIfNeeded: $0) }, dtype: target)
    case .uint32: return Tensor(shape: shape, scalars: integers.map { UInt32(truncatingIfNeeded: $0) }, dtype: target)
    case .int64: return Tensor(shape: shape, scalars: integers, dtype: target)
    case .uint64: return Tensor(shape: shape, scalars: integers.map { UInt64(bitPattern: $0) }, dtype: target)
    case .int4, .uint4, .int2, .uint2:
      let codes = integers.map { UInt8(truncatingIfNeeded: $0) }
      return Tensor(dtype: target, shape: shape, rawBytes: Packing.packCodes(codes, bits: target.bitWidth))
    default:
      return make(target, shape: shape, floatValues: integers.map { Double($0) }, saturate: true)
    }
  }

  static func make(_ target: DataType, shape: [Int], floatValues values: [Double], saturate: Bool) -> Tensor {
    switch target {
    case .float64: return Tensor(shape: shape, scalars: values, dtype: target)
    case .float32: return Tensor(shape: shape, scalars: values.map { Float($0) }, dtype: target)
    case .float16:
      return Tensor(shape: shape, scalars: values.map { HalfPrecision.half(fromFloat: Float($0)) }, dtype: target)
    case .bfloat16:
      return Tensor(shape: shape, scalars: values.map { HalfPrecision.bfloat16(fromFloat: Float($0)) }, dtype: target)
    case .float8e8m0: return Tensor(shape: shape, scalars: values.map { E8M0.encode(Float($0)) }, dtype: target)
    case .float4e2m1:
      let codes = values.map { MiniFloat.e2m1.encode(Float($0)) }
      return Tensor(dtype: target, shape: shape, rawBytes: Packing.packCodes(codes, bits: 4))
    default:
      let format = MiniFloat.format(for: target)!
      return Tensor(shape: shape, scalars: values.map { format.encode(Float($0), saturate: saturate) }, dtype: target)
    }
  }
}
