import Foundation
import RecastTensor
import Testing
import TestSupport

/// Mini-float, half-precision and packing codecs: exhaustive over every code, and against ml_dtypes /
/// onnx's reference `Cast` on ~600 values including specials, subnormals and out-of-range values.
@Suite struct CodecTests {
  static let formats: [(String, MiniFloat)] = [("e4m3fn", .e4m3fn), ("e5m2", .e5m2), ("e2m1", .e2m1)]

  @Test(arguments: formats.map(\.0))
  func decodeMatchesMlDtypes(_ name: String) throws {
    let format = Self.formats.first { $0.0 == name }!.1
    let table = try Fixtures.blob("codec_\(name)_table").floats()
    #expect(table.count == 1 << format.bitWidth)
    for code in 0..<table.count {
      let decoded = format.decode(UInt8(code))
      #expect(
        decoded.bitPattern == table[code].bitPattern || decoded.isNaN && table[code].isNaN,
        "\(name) code \(code): \(decoded) vs \(table[code])")
    }
  }

  @Test(arguments: formats.map(\.0), [true, false])
  func encodeMatchesOnnxReference(_ name: String, saturate: Bool) throws {
    let format = Self.formats.first { $0.0 == name }!.1
    let values = try Fixtures.blob("codec_values").floats()
    let codes = try Fixtures.blob("codec_\(name)_sat\(saturate ? 1 : 0).codes").scalars(as: UInt8.self)
    var mismatches: [String] = []
    for (value, code) in zip(values, codes) {
      let mine = format.encode(value, saturate: saturate)
      let bothNaN = format.decode(mine).isNaN && format.decode(code).isNaN
      if mine != code && !bothNaN { mismatches.append("\(value) → \(mine), expected \(code)") }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
  }

  /// encode(decode(c)) == c for every finite code (−0 included).
  @Test(arguments: formats.map(\.0))
  func roundTripsEveryFiniteCode(_ name: String) {
    let format = Self.formats.first { $0.0 == name }!.1
    for code in 0..<(1 << format.bitWidth) {
      let value = format.decode(UInt8(code))
      guard value.isFinite else { continue }
      #expect(format.encode(value) == UInt8(code), "\(name) code \(code) (\(value))")
      #expect(format.encode(value, saturate: false) == UInt8(code), "\(name) code \(code) (\(value)) unsaturated")
    }
  }

  /// Midpoints between neighbouring positive values round to the even code; just off them, to the nearer.
  @Test(arguments: formats.map(\.0))
  func tiesRoundToEven(_ name: String) {
    let format = Self.formats.first { $0.0 == name }!.1
    let positives = (0..<(1 << (format.bitWidth - 1))).map { UInt8($0) }.filter { format.decode($0).isFinite }
    for (low, high) in zip(positives, positives.dropFirst()) {
      let (a, b) = (format.decode(low), format.decode(high))
      let mid = (a + b) / 2  // exact: both are short binary fractions
      let even = low & 1 == 0 ? low : high
      #expect(format.encode(mid) == even, "\(name): midpoint \(mid) of \(a), \(b)")
      #expect(format.encode(mid.nextDown) == low, "\(name): below midpoint \(mid)")
      #expect(format.encode(mid.nextUp) == high, "\(name): above midpoint \(mid)")
      #expect(format.encode(-mid) == even | (1 << UInt8(format.bitWidth - 1)), "\(name): −\(mid)")
    }
  }

  @Test func saturationAndSpecials() {
    #expect(MiniFloat.e4m3fn.decode(MiniFloat.e4m3fn.encode(1e9)) == 448)
    #expect(MiniFloat.e4m3fn.decode(MiniFloat.e4m3fn.encode(-.infinity)) == -448)
    #expect(MiniFloat.e4m3fn.encode(.nan) == 0x7F)
    #expect(MiniFloat.e4m3fn.decode(MiniFloat.e4m3fn.encode(465, saturate: false)).isNaN)
    #expect(MiniFloat.e4m3fn.decode(MiniFloat.e4m3fn.encode(464, saturate: false)) == 448)  // tie to even
    #expect(MiniFloat.e4m3fn.decode(MiniFloat.e4m3fn.encode(463.9, saturate: false)) == 448)
    #expect(MiniFloat.e5m2.decode(MiniFloat.e5m2.encode(.infinity)) == 57344)
    #expect(MiniFloat.e5m2.decode(MiniFloat.e5m2.encode(.infinity, saturate: false)) == .infinity)
    #expect(MiniFloat.e5m2.decode(MiniFloat.e5m2.encode(61440, saturate: false)) == .infinity)
    #expect(MiniFloat.e5m2.decode(MiniFloat.e5m2.encode(61439, saturate: false)) == 57344)
    #expect(MiniFloat.e2m1.decode(MiniFloat.e2m1.encode(100)) == 6)
    #expect(MiniFloat.e2m1.encode(0.25) == 0)
    #expect(MiniFloat.e2m1.encode(0.75) == 2)
    #expect(MiniFloat.e4m3fnuz.decode(0x80).isNaN)
    #expect(MiniFloat.e4m3fnuz.encode(-0.0) == 0)
    #expect(MiniFloat.e4m3fnuz.decode(MiniFloat.e4m3fnuz.maxCode) == 240)
    #expect(E8M0.decode(127) == 1)
    #expect(E8M0.decode(0xFF).isNaN)
    #expect(E8M0.encode(0.75) == 127)
    #expect(E8M0.encode(0.7) == 126)
  }

  /// Every binary16 pattern decodes like Swift's Float16 and encodes back; float → half rounds like it.
  @Test func halfPrecisionIsExhaustivelyExact() {
    #if !(os(macOS) && arch(x86_64))
      for bits in 0...UInt16.max {
        let reference = Float(Float16(bitPattern: bits))
        let mine = HalfPrecision.float(fromHalf: bits)
        #expect(mine.bitPattern == reference.bitPattern || mine.isNaN && reference.isNaN)
        if mine.isNaN { continue }
        #expect(HalfPrecision.half(fromFloat: mine) == bits)
      }
      var generator = SeededGenerator(seed: 7)
      for _ in 0..<200_000 {
        let f =
          Float(bitPattern: UInt32.random(in: 0x3000_0000...0x4800_0000, using: &generator))
          * (Bool.random(using: &generator) ? 1 : -1)
        #expect(HalfPrecision.half(fromFloat: f) == Float16(f).bitPattern, "seed 7, \(f)")
      }
    #endif
  }

  @Test func bfloat16MatchesMlDtypes() throws {
    let values = try Fixtures.blob("codec_values").floats()
    let bits = try Fixtures.blob("codec_bfloat16.bits").scalars(as: UInt16.self)
    for (value, expected) in zip(values, bits) {
      let mine = HalfPrecision.bfloat16(fromFloat: value)
      #expect(mine == expected || value.isNaN && HalfPrecision.float(fromBFloat16: mine).isNaN, "\(value)")
    }
    for bits in stride(from: 0, through: UInt16.max, by: 1) where !HalfPrecision.float(fromBFloat16: bits).isNaN {
      #expect(HalfPrecision.bfloat16(fromFloat: HalfPrecision.float(fromBFloat16: bits)) == bits)
    }
  }

  @Test(arguments: [DataType.int4, .uint4, .int2, .uint2])
  func packingRoundTrips(_ dtype: DataType) {
    let (low, high) = Packing.range(of: dtype)
    for count in [0, 1, 2, 3, 5, 8, 17] {
      let values = (0..<count).map { Int8(low + ($0 * 7) % (high - low + 1)) }
      let tensor = Tensor(shape: [count], packing: values, dtype: dtype)
      #expect(tensor.rawBytes.count == dtype.byteCount(for: count))
      #expect(tensor.unpackedIntegers() == values)
    }
    // Low bits first: element 0 in the low nibble/pair.
    if dtype == .int4 { #expect(Packing.pack([1, -1, 3], dtype: .int4) == [0xF1, 0x03]) }
    if dtype == .uint2 { #expect(Packing.pack([1, 2, 3, 0, 3], dtype: .uint2) == [0b00_11_10_01, 0b11]) }
  }

  @Test func castsToAndFromPackedAndMiniFloatTypes() throws {
    let x = Tensor(shape: [8], floats: [-9, -8.5, 7.5, 8, 17, 3.5, 2.5, -1.5])
    // ONNX reference: truncate toward zero, then wrap to 4 bits.
    #expect(try x.cast(to: .int4).unpackedIntegers() == [7, -8, 7, -8, 1, 3, 2, -1])
    #expect(try x.cast(to: .uint4).unpackedIntegers() == [7, 8, 7, 8, 1, 3, 2, 15])
    let f8 = try x.cast(to: .float8e4m3fn)
    #expect(try f8.cast(to: .float32).floats() == [-9, -8, 7.5, 8, 16, 3.5, 2.5, -1.5])
    let f4 = try x.cast(to: .float4e2m1)
    #expect(f4.rawBytes.count == 4)
    #expect(try f4.cast(to: .float32).floats() == [-6, -6, 6, 6, 6, 4, 2, -1.5])
    #expect(try Tensor(shape: [2], packing: [-3, 5], dtype: .int4).cast(to: .int64).integers() == [-3, 5])
    let half = try x.cast(to: .float16)
    #expect(try half.cast(to: .float32) == x)
    #expect(try x.cast(to: .bfloat16).cast(to: .float32) == x)
  }
}

