import Foundation
import RecastQuantization
import RecastTensor
import Testing
import TestSupport

/// The shared seeded generator (SplitMix64); the seed is in every failure message.
typealias SeededRandom = SeededGenerator

extension SeededGenerator {
  /// `n` normally distributed values (Box–Muller) times `scale`.
  mutating func normals(_ n: Int, scale: Float = 1) -> [Float] {
    (0..<n).map { _ in
      let u = Float.random(in: Float.ulpOfOne..<1, using: &self)
      let v = Float.random(in: 0..<1, using: &self)
      return scale * Float((-2 * Foundation.log(Double(u))).squareRoot() * Foundation.cos(2 * .pi * Double(v)))
    }
  }
}

/// Every dtype × qscheme × qformulation × granularity that makes sense.
struct SpecCase: Sendable, CustomTestStringConvertible {
  let spec: QuantizationSpec
  var testDescription: String {
    "\(spec.dtype)-\(spec.qscheme)-\(spec.qformulation)-\(spec.granularity.typeName)"
  }

  static let all: [SpecCase] = {
    var out: [SpecCase] = []
    let granularities: [Granularity] = [.perTensor, .perChannel(axis: 0), .perBlock(axis: 1, blockSize: 8)]
    for dtype in QuantDType.allCases {
      for scheme in QScheme.allCases {
        for form in QFormulation.allCases where !dtype.isFloat || (scheme == .symmetric && form == .zp) {
          for g in granularities {
            out.append(SpecCase(spec: QuantizationSpec(dtype: dtype, qscheme: scheme, qformulation: form, granularity: g)))
          }
        }
      }
    }
    return out
  }()
}

@Suite("Fake-quantization properties")
struct FakeQuantPropertyTests {
  static let shape = [6, 32]

  func data(_ seed: UInt64) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor(shape: Self.shape, floats: rng.normals(Self.shape.reduce(1, *), scale: 0.7).map { $0 + 0.1 })
  }

  @Test(arguments: SpecCase.all)
  func idempotent(_ c: SpecCase) throws {
    let seed: UInt64 = 7
    let x = data(seed)
    let q = try QParams.compute(for: x, spec: c.spec)
    let once = try FakeQuant.apply(x, qparams: q, spec: c.spec)
    let twice = try FakeQuant.apply(once, qparams: q, spec: c.spec)
    #expect(once == twice, "seed \(seed)")
  }

  @Test(arguments: SpecCase.all)
  func monotone(_ c: SpecCase) throws {
    let seed: UInt64 = 11
    let x = data(seed)
    let q = try QParams.compute(for: x, spec: c.spec)
    // Sort each scale group's inputs: rows are channels, blocks of 8 inside a row share a scale.
    var sorted = x.scalars(as: Float.self)
    for row in 0..<6 { sorted[(row * 32)..<(row * 32 + 32)].sort() }
    let y = try FakeQuant.apply(Tensor(shape: Self.shape, floats: sorted), qparams: q, spec: c.spec).scalars(as: Float.self)
    let width = c.spec.granularity.blockSize ?? 32
    for start in stride(from: 0, to: sorted.count, by: width) {
      for i in (start + 1)..<(start + width) { #expect(y[i - 1] <= y[i], "seed \(seed), index \(i)") }
    }
  }

  /// Outputs lie on the grid: `Q(x̂)` dequantizes back to `x̂` exactly, and every code is in range.
  @Test(arguments: SpecCase.all.filter { $0.spec.qformulation == .zp })
  func outputsOnGrid(_ c: SpecCase) throws {
    let x = data(13)
    let q = try QParams.compute(for: x, spec: c.spec)
    let y = try FakeQuant.apply(x, qparams: q, spec: c.spec)
    let qt = try FakeQuant.quantize(y, qparams: q)
    let back = try qt.values.dequantizeLinear(
      scale: qt.scale, zeroPoint: c.spec.dtype.isFloat ? nil : qt.zeroPoint, axis: qt.axis ?? 1,
      blockSize: qt.blockSize ?? 0)
    #expect(back == y)
    if !c.spec.dtype.isFloat {
      let codes = c.spec.dtype.bitWidth == 8 ? try qt.values.cast(to: .int32).integers() : qt.values.unpackedIntegers().map(Int.init)
      #expect(codes.allSatisfy { $0 >= c.spec.dtype.qmin && $0 <= c.spec.dtype.qmax })
    }
  }

  @Test func maskMarksClampedValues() throws {
    let spec = QuantizationSpec(dtype: .int8)
    let q = try QParams.compute(min: [-1.275], max: [1.275], spec: spec)
    let x = Tensor(shape: [5], floats: [0, 1.27, 1.3, -1.28, -1.4])
    // s = 1.275 / 127.5 = 0.01: 1.3/s = 130 > 127 is clamped; −1.28/s = −128 is the code qmin, inside; −140 is
    // clamped.
    #expect(try FakeQuant.mask(x, qparams: q) == [true, true, false, true, false])
    // float8: 460 still rounds to 448 on the e4m3 grid (inside); 470 would round to 480 and saturates.
    let f8 = QuantizationSpec(dtype: .float8_e4m3fn)
    let q8 = try QParams.compute(min: [-448], max: [448], spec: f8)
    #expect(try FakeQuant.mask(Tensor(shape: [4], floats: [448, 460, 470, -1e6]), qparams: q8) == [true, true, false, false])
  }

  @Test func blockSizeMustDivideTheAxis() throws {
    let spec = QuantizationSpec(dtype: .int4, granularity: .perBlock(axis: 1, blockSize: 32))
    let x = Tensor(zeros: .float32, shape: [4, 48])
    #expect(throws: QuantizationError.self) { try QParams.compute(for: x, spec: spec) }
    do {
      _ = try QParams.compute(for: x, spec: spec)
    } catch {
      #expect(error.message.contains("32") && error.message.contains("48"))
    }
  }

  @Test func conventions() throws {
    // int8 symmetric: s = max|x| / 127.5 (coreai-opt), / 127 with narrow_range (onnxruntime); uint8 symmetric:
    // z = 128, same scale.
    let q = try QParams.compute(min: [-0.5], max: [2.54], spec: QuantizationSpec(dtype: .int8))
    #expect(q.scale == [Float(2.54 / 127.5)] && q.zeroPoint == [0])
    let narrow = try QParams.compute(
      min: [-0.5], max: [2.54], spec: QuantizationSpec(dtype: .int8, narrowRange: true))
    #expect(narrow.scale == [Float(2.54 / 127.0)] && narrow.zeroPoint == [0])
    #expect(throws: QuantizationError.self) {
      try QParams.compute(
        min: [-0.5], max: [2.54], spec: QuantizationSpec(dtype: .uint8, qscheme: .asymmetric, narrowRange: true))
    }
    let w2 = try QParams.compute(min: [-3], max: [1], spec: QuantizationSpec(dtype: .int2))
    #expect(w2.scale == [2] && w2.zeroPoint == [0])  // 3 / 1.5: −3 lands on −2·s, the lowest int2 code
    let u = try QParams.compute(min: [-0.5], max: [2.54], spec: QuantizationSpec(dtype: .uint8))
    #expect(u.zeroPoint == [128] && u.scale == q.scale)
    #expect(QuantDType.uint4.symmetricZeroPoint == 8 && QuantDType.uint2.symmetricZeroPoint == 2)
    // All-zero range: the epsilon guard.
    let z = try QParams.compute(min: [0], max: [0], spec: QuantizationSpec(dtype: .int8, qscheme: .asymmetric))
    #expect(z.scale == [QParams.epsilon])
    // e8m0: rounded up to a power of two; float formats use the format maximum.
    let e = try QParams.compute(
      min: [-5], max: [3], spec: QuantizationSpec(dtype: .float4_e2m1fn, scaleDType: .float8_e8m0fnu))
    #expect(e.scale == [1])  // 5 / 6 → 1
    #expect(QParams.roundUpToPowerOfTwo(0.25) == 0.25 && QParams.roundUpToPowerOfTwo(0.26) == 0.5)
    // float_range replaces the bounds it names.
    let r = try QParams.compute(
      min: [-3], max: [1], spec: QuantizationSpec(dtype: .uint8, qscheme: .asymmetric, floatRange: .init(min: -1)))
    #expect(r.scale == [Float(2.0 / 255.0)] && r.zeroPoint == [128])
    #expect(QuantDType(parsing: "float4_e2m1fn_x2") == .float4_e2m1fn)
    #expect(QuantDType.float8_e5m2.isValidForActivations && QuantDType.float8_e5m2.activationNeedsWarning)
    #expect(!QuantDType.int4.isValidForActivations)
  }
}
