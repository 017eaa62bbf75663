import Foundation
import RecastQuantization
import RecastTensor
import TestSupport
import Testing

/// One case written by `Fixtures/make_quant_fixtures.py` (floats as uint32 bit patterns).
struct QuantCase: Decodable, Sendable, CustomTestStringConvertible {
  struct GranularityJSON: Decodable, Sendable {
    let type: String
    let axis: Int?
    let block_size: Int?
  }

  let name: String
  let dtype: String
  let qscheme: String
  let qformulation: String
  let granularity: GranularityJSON
  let shape: [Int]
  let float_range: [Double?]?
  let scale_dtype: String?
  let narrow_range: Bool
  let x: [UInt32]
  let probe: [UInt32]
  let scale: [UInt32]
  let zero_point: [Int32]
  let scale_shape: [Int]
  let offset: [UInt32]?
  let expected: [UInt32]
  let checked_by: String

  var testDescription: String { name }

  var spec: QuantizationSpec {
    let g: Granularity =
      switch granularity.type {
      case "per_channel": .perChannel(axis: granularity.axis)
      case "per_block": .perBlock(axis: granularity.axis, blockSize: granularity.block_size ?? 0)
      default: .perTensor
      }
    return QuantizationSpec(
      dtype: QuantDType(parsing: dtype)!, qscheme: QScheme(rawValue: qscheme)!,
      qformulation: QFormulation(rawValue: qformulation)!, granularity: g,
      floatRange: float_range.map { ClosedRangeBounds(min: $0[0], max: $0[1]) },
      scaleDType: scale_dtype.map { ScaleDType(rawValue: $0)! }, narrowRange: narrow_range)
  }

  static func floats(_ bits: [UInt32]) -> [Float] { bits.map(Float.init(bitPattern:)) }
}

enum QuantFixtures {
  static let file = Paths.repository("Tests/RecastQuantizationTests/Fixtures/quant_cases.json")

  static let cases: [QuantCase] = {
    struct File: Decodable { let cases: [QuantCase] }
    guard let data = try? Data(contentsOf: file) else { return [] }
    return (try? JSONDecoder().decode(File.self, from: data).cases) ?? []
  }()
}

@Suite("Quantization numbers against the numpy / onnxruntime fixtures")
struct NumbersFixtureTests {
  @Test func fixturesArePresent() {
    // 185 cases: every dtype × qscheme × qformulation × granularity that makes sense, plus float_range and
    // scale-dtype variants.
    #expect(QuantFixtures.cases.count >= 150, "missing \(QuantFixtures.file.path); run make_quant_fixtures.py")
  }

  /// Scales, zero points and offsets match bit for bit: both sides compute the scale in Double from float32 range
  /// ends and round once to float32, and divide in the same order, so no tolerance is needed.
  @Test(arguments: QuantFixtures.cases)
  func qparamsMatch(_ c: QuantCase) throws {
    let x = Tensor(shape: c.shape, floats: QuantCase.floats(c.x))
    let q = try QParams.compute(for: x, spec: c.spec)
    #expect(q.scale.map(\.bitPattern) == c.scale, "scale")
    #expect(q.scaleShape == c.scale_shape)
    if let offset = c.offset {
      #expect(q.offset?.map(\.bitPattern) == offset, "offset")
    } else {
      #expect(q.zeroPoint == c.zero_point, "zero point")
    }
  }

  /// Fake quantization of the probe (data, exact half-step ties, out-of-range values) matches bit for bit; for
  /// the zp cases the expectation was itself checked against onnxruntime's (or the ONNX reference's) Q→DQ.
  @Test(arguments: QuantFixtures.cases)
  func fakeQuantMatches(_ c: QuantCase) throws {
    let x = Tensor(shape: c.shape, floats: QuantCase.floats(c.x))
    let probe = Tensor(shape: c.shape, floats: QuantCase.floats(c.probe))
    let q = try QParams.compute(for: x, spec: c.spec)
    let y = try FakeQuant.apply(probe, qparams: q, spec: c.spec)
    let got = y.scalars(as: Float.self).map(\.bitPattern)
    let mismatches = zip(got, c.expected).enumerated().filter { $0.element.0 != $0.element.1 }
    #expect(
      mismatches.isEmpty,
      "\(mismatches.count) mismatches, first at \(mismatches.first.map { "\($0.offset): \(Float(bitPattern: $0.element.0)) vs \(Float(bitPattern: $0.element.1))" } ?? "")"
    )
  }

  /// Quantize → RecastTensor's DequantizeLinear reproduces the fake-quant output: codes, packing and the
  /// ONNX layout of scale and zero point are right.
  @Test(arguments: QuantFixtures.cases.filter { $0.qformulation == "zp" })
  func quantizeDequantizeMatches(_ c: QuantCase) throws {
    let x = Tensor(shape: c.shape, floats: QuantCase.floats(c.x))
    let probe = Tensor(shape: c.shape, floats: QuantCase.floats(c.probe))
    let q = try QParams.compute(for: x, spec: c.spec)
    let qt = try FakeQuant.quantize(probe, qparams: q)
    #expect(qt.values.dtype == c.spec.dtype.onnxType)
    #expect(qt.scale.shape == c.scale_shape)
    let isFloat = c.spec.dtype.isFloat
    let y = try qt.values.dequantizeLinear(
      scale: qt.scale, zeroPoint: isFloat ? nil : qt.zeroPoint, axis: qt.axis ?? 1, blockSize: qt.blockSize ?? 0)
    #expect(y.scalars(as: Float.self).map(\.bitPattern) == c.expected)
  }
}
