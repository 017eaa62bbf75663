import RecastTensor
import Testing

@testable import RecastQuantization

/// One layout for the fast-path comparisons: a shape and a granularity over it.
struct FastPathLayout: Sendable, CustomTestStringConvertible {
  let shape: [Int]
  let granularity: Granularity
  var testDescription: String {
    "\(shape)-\(granularity.typeName)-axis\(granularity.axis ?? -1)-block\(granularity.blockSize ?? 0)"
  }

  /// Odd sizes: tails shorter than a vector, single rows, odd block sizes (runs starting on odd elements),
  /// per-element groups (axis innermost), blocks with inner dimensions, and tensors large enough to be split
  /// over threads.
  static let all: [FastPathLayout] = [
    FastPathLayout(shape: [13], granularity: .perTensor),
    FastPathLayout(shape: [1, 37], granularity: .perChannel(axis: 0)),
    FastPathLayout(shape: [7, 45], granularity: .perChannel(axis: 0)),
    FastPathLayout(shape: [7, 45], granularity: .perChannel(axis: 1)),
    FastPathLayout(shape: [3, 5, 9], granularity: .perChannel(axis: 1)),
    FastPathLayout(shape: [1, 96], granularity: .perBlock(axis: 1, blockSize: 32)),
    FastPathLayout(shape: [5, 45], granularity: .perBlock(axis: 1, blockSize: 3)),
    FastPathLayout(shape: [3, 35], granularity: .perBlock(axis: 1, blockSize: 7)),
    FastPathLayout(shape: [9, 5], granularity: .perBlock(axis: 0, blockSize: 3)),
    FastPathLayout(shape: [2, 6, 11], granularity: .perBlock(axis: 1, blockSize: 2)),
    FastPathLayout(shape: [263, 521], granularity: .perTensor),
    FastPathLayout(shape: [263, 1031], granularity: .perChannel(axis: 0)),
    FastPathLayout(shape: [263, 1031], granularity: .perChannel(axis: 1)),
    FastPathLayout(shape: [257, 555], granularity: .perBlock(axis: 1, blockSize: 37)),
    FastPathLayout(shape: [517, 288], granularity: .perBlock(axis: 1, blockSize: 32)),
  ]
}

@Suite("Vectorised integer quantization against the scalar path")
struct NumbersFastPathTests {
  static let dtypes: [QuantDType] = [.int8, .uint8, .int4, .uint4]

  /// Normal values plus exact half-way quotients for power-of-two scales, NaN, ±∞, ±0, huge and subnormal values.
  func data(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SeededRandom(seed: seed)
    var values = rng.normals(count, scale: 0.8)
    let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1e30, -1e30, .leastNonzeroMagnitude, 0.125, -0.375]
    for i in values.indices {
      switch rng.next() % 16 {
      case 0: values[i] = specials[Int(rng.next() % UInt64(specials.count))]
      case 1, 2: values[i] = (Float(Int(rng.next() % 33)) - 16.5) / 16  // halves of 1/16 steps
      default: break
      }
    }
    return values
  }

  /// Parameters with power-of-two and irregular scales and arbitrary in-range zero points.
  func parameters(_ layout: GroupLayout, _ dtype: QuantDType, _ granularity: Granularity, seed: UInt64) -> QParams {
    var rng = SeededRandom(seed: seed)
    let groups = layout.groupCount
    let scale = (0..<groups).map { _ -> Float in
      rng.next() % 2 == 0 ? 1 / Float(1 << (rng.next() % 6)) : Float.random(in: 0.001..<0.5, using: &rng)
    }
    let span = UInt64(dtype.qmax - dtype.qmin + 1)
    let zero = (0..<groups).map { _ in Int32(dtype.qmin + Int(rng.next() % span)) }
    return QParams(scale: scale, zeroPoint: zero, dtype: dtype, granularity: granularity, scaleShape: layout.scaleShape)
  }

  @Test(arguments: FastPathLayout.all)
  func codesMatchScalarPath(_ c: FastPathLayout) throws {
    let layout = try GroupLayout(shape: c.shape, granularity: c.granularity)
    for (d, dtype) in Self.dtypes.enumerated() {
      let seed = UInt64(31 * layout.count + d)
      let x = Tensor(shape: c.shape, floats: data(layout.count, seed: seed))
      let q = parameters(layout, dtype, c.granularity, seed: seed)
      let fast = try FakeQuant.quantize(x, qparams: q).values
      let reference = try FakeQuant.quantizeGeneric(x, qparams: q)
      #expect(fast == reference, "\(dtype), seed \(seed)")
    }
  }

  @Test(arguments: FastPathLayout.all)
  func computedParametersMatchScalarPath(_ c: FastPathLayout) throws {
    let layout = try GroupLayout(shape: c.shape, granularity: c.granularity)
    let x = Tensor(shape: c.shape, floats: data(layout.count, seed: 5).map { $0.isFinite ? $0 : 0.5 })
    for dtype in Self.dtypes {
      let spec = QuantizationSpec(dtype: dtype, granularity: c.granularity)
      // Bounds of `nil` keep the observed range but take the general per-group loop.
      var general = spec
      general.floatRange = ClosedRangeBounds()
      let fast = try QParams.compute(for: x, spec: spec)
      let reference = try QParams.compute(for: x, spec: general)
      #expect(fast.scale == reference.scale, "\(dtype)")
      #expect(fast.zeroPoint == reference.zeroPoint, "\(dtype)")
      #expect(try FakeQuant.quantize(x, qparams: fast).values == FakeQuant.quantizeGeneric(x, qparams: reference))
    }
  }

  @Test func emptyGroupsAndNaNRangesGetTheGuardScale() throws {
    let spec = QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: 0))
    let q = try QParams.compute(min: [.infinity, .nan, -2, 0], max: [-.infinity, 1, 1, 0], spec: spec)
    #expect(q.scale == [QParams.epsilon, QParams.epsilon, Float(2.0 / 127.5), QParams.epsilon])
    var narrow = spec
    narrow.narrowRange = true
    let n = try QParams.compute(min: [.infinity, .nan, -2, 0], max: [-.infinity, 1, 1, 0], spec: narrow)
    #expect(n.scale == [QParams.epsilon, QParams.epsilon, Float(2.0 / 127.0), QParams.epsilon])
  }

  @Test(arguments: FastPathLayout.all)
  func rangesMatchElementwiseReduction(_ c: FastPathLayout) throws {
    let layout = try GroupLayout(shape: c.shape, granularity: c.granularity)
    let values = data(layout.count, seed: 9)
    var lo = [Float](repeating: .infinity, count: layout.groupCount)
    var hi = [Float](repeating: -.infinity, count: layout.groupCount)
    for (i, v) in values.enumerated() {
      let g = layout.group(ofElement: i)
      if v < lo[g] { lo[g] = v }
      if v > hi[g] { hi[g] = v }
    }
    let range = try GroupRange(of: Tensor(shape: c.shape, floats: values), granularity: c.granularity)
    #expect(range.min == lo)
    #expect(range.max == hi)
  }
}

@Suite("Static quantization in one pass against parameters and codes computed separately")
struct StaticQuantizeTests {
  /// Normal values, exact half-way quotients, tiny and subnormal groups, and (with `specials`) NaN, ±∞ and ±0.
  func data(_ count: Int, seed: UInt64, specials: Bool) -> [Float] {
    var values = NumbersFastPathTests().data(count, seed: seed)
    if !specials { values = values.map { $0.isFinite ? $0 : 0.25 } }
    // A stretch of subnormals and one of zeros, so some groups get the guard scale.
    for i in 0..<Swift.min(64, count / 4) { values[i] = i % 2 == 0 ? .leastNonzeroMagnitude * Float(i) : 0 }
    return values
  }

  static let specs: [QuantizationSpec] = {
    var result: [QuantizationSpec] = []
    for dtype in [QuantDType.int8, .uint8, .int4, .uint4] {
      result.append(QuantizationSpec(dtype: dtype))
      var asymmetric = QuantizationSpec(dtype: dtype)
      asymmetric.qscheme = .asymmetric
      result.append(asymmetric)
      var ranged = QuantizationSpec(dtype: dtype)
      ranged.floatRange = ClosedRangeBounds(min: -0.5, max: nil)
      result.append(ranged)
    }
    return result
  }()

  /// The shared layouts plus per-channel rows whose length is a multiple of 8 (the unclamped kernel), one of them
  /// large enough to be split over threads.
  static let layouts = FastPathLayout.all + [
    FastPathLayout(shape: [33, 64], granularity: .perChannel(axis: 0)),
    FastPathLayout(shape: [72, 1024], granularity: .perChannel(axis: 0)),
    FastPathLayout(shape: [144, 512], granularity: .perBlock(axis: 1, blockSize: 64)),
  ]

  @Test(arguments: layouts)
  func oneCallEqualsTwoPasses(_ c: FastPathLayout) throws {
    let layout = try GroupLayout(shape: c.shape, granularity: c.granularity)
    // The specs the one-pass kernel does not take (asymmetric, float_range) only on the small layouts.
    for (k, base) in Self.specs.enumerated() where base.qscheme == .symmetric && base.floatRange == nil
      || layout.count < 50_000
    {
      var spec = base
      spec.granularity = c.granularity
      for specials in [false, true] {
        let seed = UInt64(17 * layout.count + 2 * k + (specials ? 1 : 0))
        let x = Tensor(shape: c.shape, floats: data(layout.count, seed: seed, specials: specials))
        let (codes, qparams) = try FakeQuant.quantize(x, spec: spec)
        let expected = try QParams.compute(for: x, spec: spec)
        let reference = try FakeQuant.quantize(x, qparams: expected)
        let label = "\(spec.dtype) \(spec.qscheme) range \(spec.floatRange != nil), seed \(seed)"
        #expect(qparams == expected, "\(label)")
        #expect(codes.values == reference.values, "\(label)")
        #expect(codes.scale == reference.scale && codes.zeroPoint == reference.zeroPoint, "\(label)")
        #expect(codes.axis == reference.axis && codes.blockSize == reference.blockSize, "\(label)")
      }
    }
  }

  @Test func groupsOfNaNInfinityAndZerosMatchTheReference() throws {
    // Four blocks of 16: all NaN, one +∞, all zero, ordinary values with one NaN.
    var values = [Float](repeating: .nan, count: 64)
    for i in 16..<32 { values[i] = Float(i) / 7 }
    values[20] = .infinity
    for i in 32..<48 { values[i] = 0 }
    for i in 48..<64 { values[i] = Float(i - 56) / 3 }
    values[50] = -.nan
    let x = Tensor(shape: [2, 32], floats: values)
    for dtype in [QuantDType.int8, .uint8, .int4, .uint4] {
      let spec = QuantizationSpec(dtype: dtype, granularity: .perBlock(axis: 1, blockSize: 16))
      let (codes, qparams) = try FakeQuant.quantize(x, spec: spec)
      #expect(qparams == (try QParams.compute(for: x, spec: spec)), "\(dtype)")
      #expect(qparams.scale[0] == QParams.epsilon && qparams.scale[1] == .infinity, "\(dtype)")
      #expect(codes.values == (try FakeQuant.quantizeGeneric(x, qparams: qparams)), "\(dtype)")
    }
  }
}
