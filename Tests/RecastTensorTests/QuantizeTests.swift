import RecastTensor
import Testing

/// QuantizeLinear/DequantizeLinear properties over every integer and mini-float output type.
@Suite struct QuantizeTests {
  static let integerTypes: [DataType] = [.int2, .uint2, .int4, .uint4, .int8, .uint8, .int16, .uint16]

  /// In range, dequantize(quantize(x)) is within half a step of x, and quantizing again changes nothing.
  @Test(arguments: integerTypes)
  func roundTripWithinHalfAStep(_ type: DataType) throws {
    let (low, high) = Packing.range(of: type)
    let scale: Float = 0.25
    let zero = (low + high + 1) / 2
    let xs = (0..<200).map { Float(low - zero) * scale + Float($0) / 199 * Float(high - low) * scale }
    let x = Tensor(shape: [200], floats: xs)
    let s = Tensor(shape: [], floats: [scale])
    let zp = try Tensor(shape: [], floats: [Float(zero)]).cast(to: type)
    let q = try x.quantizeLinear(scale: s, zeroPoint: zp)
    #expect(q.dtype == type)
    let back = try q.dequantizeLinear(scale: s, zeroPoint: zp)
    for (a, b) in zip(xs, back.floats()) { #expect(abs(a - b) <= scale / 2 + 1e-6, "\(type) \(a) → \(b)") }
    #expect(try back.quantizeLinear(scale: s, zeroPoint: zp) == q)
    // Out of range saturates to the type's limits.
    let far = try Tensor(shape: [2], floats: [-1e6, 1e6]).quantizeLinear(scale: s, zeroPoint: zp)
    #expect(try far.cast(to: .int64).integers() == [low, high])
  }

  @Test(arguments: [DataType.float8e4m3fn, .float8e5m2, .float4e2m1])
  func miniFloatOutputsLieOnTheGrid(_ type: DataType) throws {
    let x = Tensor(shape: [64], floats: (0..<64).map { Float($0 - 32) * 0.37 })
    let s = Tensor(shape: [], floats: [0.5])
    let q = try x.quantizeLinear(scale: s, outputType: type)
    let back = try q.dequantizeLinear(scale: s)
    #expect(try back.quantizeLinear(scale: s, outputType: type) == q)
  }

  @Test func layoutErrorsNameTheShapes() {
    let x = Tensor(zeros: .float32, shape: [4, 6])
    #expect { try x.quantizeLinear(scale: Tensor(zeros: .float32, shape: [5])) } throws: {
      "\($0)".contains("6 elements")
    }
    #expect { try x.quantizeLinear(scale: Tensor(zeros: .float32, shape: [4, 3]), blockSize: 4) } throws: {
      "\($0)".contains("[4, 2]")
    }
  }
}
