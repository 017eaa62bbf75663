import RecastTensor
import Testing

@testable import RecastQuantization

/// The C kernel of `StaticCodes` (AVX2 where the CPU has it, and its portable build) against the Swift loops it
/// replaced: the same scale bit patterns and code bytes for every symmetric integer dtype, both divisors and every
/// group length class (below, at and above a vector; multiples of 8 and 32; odd lengths whose packed groups start
/// mid-byte).
@Suite("Static quantization kernel: AVX2 and portable C against the Swift reference")
struct StaticKernelTests {
  static let dtypes: [QuantDType] = [.int8, .uint8, .int4, .uint4]

  /// Shapes the one-pass kernel takes: blocks along the last axis and rows of a per-channel weight.
  static let layouts: [FastPathLayout] = {
    var result: [FastPathLayout] = []
    for block in [1, 2, 3, 5, 7, 8, 16, 24, 31, 32, 33, 37, 40, 64, 96, 128] {
      result.append(
        FastPathLayout(shape: [19, 3 * block], granularity: .perBlock(axis: 1, blockSize: block)))
    }
    for columns in [2, 5, 8, 31, 32, 33, 63, 64, 100, 1024] {
      result.append(FastPathLayout(shape: [21, columns], granularity: .perChannel(axis: 0)))
    }
    // Large enough for several chunks on several threads.
    result.append(
      FastPathLayout(shape: [517, 288], granularity: .perBlock(axis: 1, blockSize: 32)))
    result.append(FastPathLayout(shape: [129, 1031], granularity: .perChannel(axis: 0)))
    return result
  }()

  /// Values for groups of `n`: ordinary normals with scattered specials (NaN, ±∞, ±0, subnormals, huge values),
  /// and whole groups chosen by kind: exact half-way quotients (the group's maximum is `d·2⁻ᵏ`, so `s = 2⁻ᵏ`, and
  /// the others are odd multiples of `2⁻ᵏ⁻¹`), all zeros, all subnormal, all NaN, only ±∞, NaN among numbers.
  func data(groups: Int, n: Int, divisor: Float, seed: UInt64) -> [Float] {
    var rng = SeededRandom(seed: seed)
    var values = rng.normals(groups * n, scale: 0.8)
    let specials: [Float] = [
      .nan, -.nan, .infinity, -.infinity, 0, -0.0, 1e30, -1e30, .leastNonzeroMagnitude,
      -.leastNormalMagnitude / 3,
    ]
    for i in values.indices where rng.next() % 40 == 0 {
      values[i] = specials[Int(rng.next() % UInt64(specials.count))]
    }
    for g in 0..<groups {
      let group = g * n..<(g + 1) * n
      switch rng.next() % 10 {
      case 0, 1, 2:
        let step = Float(sign: .plus, exponent: -Int(rng.next() % 8) - 2, significand: 1)
        let top = Int(divisor)
        for i in group {
          let k = Int(rng.next() % UInt64(2 * top)) - top  // quotients k + 0.5 within [−d, d]
          values[i] = (Float(k) + 0.5) * step
        }
        values[group.lowerBound + Int(rng.next() % UInt64(n))] =
          (rng.next() % 2 == 0 ? 1 : -1) * divisor * step
      case 3: for i in group { values[i] = 0 }
      case 4:
        for i in group {
          values[i] = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x807F_FFFF)
        }
      case 5: for i in group { values[i] = .nan }
      case 6: for i in group { values[i] = rng.next() % 2 == 0 ? .infinity : -.infinity }
      case 7: values[group.lowerBound + Int(rng.next() % UInt64(n))] = .nan
      default: break
      }
    }
    return values
  }

  @Test(arguments: layouts)
  func kernelsMatchTheSwiftReference(_ c: FastPathLayout) throws {
    let layout = try GroupLayout(shape: c.shape, granularity: c.granularity)
    for (d, dtype) in Self.dtypes.enumerated() {
      for narrow in [false, true] {
        var spec = QuantizationSpec(dtype: dtype, granularity: c.granularity)
        spec.narrowRange = narrow
        let kernel = try #require(StaticCodes(spec: spec, layout: layout))
        let seed = UInt64(97 * layout.count + 2 * d + (narrow ? 1 : 0))
        let values = data(
          groups: layout.groupCount, n: layout.runLength, divisor: Float(spec.symmetricDivisor),
          seed: seed)
        let x = Tensor(shape: c.shape, floats: values)
        let reference = kernel.run(x, path: .reference)
        let label = "\(dtype) narrow \(narrow), seed \(seed), AVX2 \(StaticCodes.vectorized)"
        for path in [StaticCodes.Path.native, .portable] {
          let (codes, qparams) = kernel.run(x, path: path)
          #expect(
            qparams.scale.map(\.bitPattern) == reference.qparams.scale.map(\.bitPattern),
            "\(path) \(label)")
          #expect(codes.values == reference.codes.values, "\(path) \(label)")
          #expect(
            codes.scale == reference.codes.scale && codes.zeroPoint == reference.codes.zeroPoint)
        }
        // And the two-pass path (`QParams.compute`, then the codes of `quantize(_:qparams:)`).
        let expected = try QParams.compute(for: x, spec: spec)
        #expect(reference.qparams == expected, "\(label)")
        #expect(
          reference.codes.values == (try FakeQuant.quantize(x, qparams: expected)).values,
          "\(label)")
      }
    }
  }

  /// Groups are independent: any split of the runs (on whole bytes of packed codes), as threads make, gives the
  /// bytes of one call over everything.
  @Test func outputDoesNotDependOnTheSplit() throws {
    for (n, dtype) in [
      (32, QuantDType.int4), (33, .uint4), (40, .int8), (7, .int4), (1024, .uint8),
    ] {
      let granularity: Granularity =
        n == 1024 ? .perChannel(axis: 0) : .perBlock(axis: 1, blockSize: n)
      let layout = try GroupLayout(shape: [50, n == 1024 ? n : 2 * n], granularity: granularity)
      let spec = QuantizationSpec(dtype: dtype, granularity: granularity)
      let kernel = try #require(StaticCodes(spec: spec, layout: layout))
      let seed = UInt64(n)
      let x = data(
        groups: layout.groupCount, n: layout.runLength, divisor: Float(spec.symmetricDivisor),
        seed: seed)
      let bytes = dtype.bitWidth == 8 ? layout.count : (layout.count + 1) / 2
      let runs = layout.groupCount
      let whole = written(kernel, x, bytes: bytes, splits: [0, runs])
      var rng = SeededRandom(seed: seed)
      for _ in 0..<5 {
        var cuts = Set((0..<6).map { _ in Int(rng.next() % UInt64(runs + 1)) })
        cuts.formUnion([0, runs])
        let splits = cuts.sorted().filter { dtype.bitWidth == 8 || $0 * n % 2 == 0 || $0 == runs }
        let split = written(kernel, x, bytes: bytes, splits: splits)
        #expect(
          split.scale.map(\.bitPattern) == whole.scale.map(\.bitPattern),
          "\(dtype) n \(n) \(splits)")
        #expect(split.codes == whole.codes, "\(dtype) n \(n) \(splits), seed \(seed)")
      }
    }
  }

  /// Scales and code bytes of the native kernel called once per piece between consecutive `splits`.
  func written(_ kernel: StaticCodes, _ x: [Float], bytes: Int, splits: [Int]) -> (
    scale: [Float], codes: [UInt8]
  ) {
    var scale = [Float](repeating: 0, count: kernel.layout.groupCount)
    var codes = [UInt8](repeating: 0, count: bytes)
    x.withUnsafeBufferPointer { px in
      scale.withUnsafeMutableBufferPointer { ps in
        codes.withUnsafeMutableBufferPointer { pc in
          for (start, end) in zip(splits, splits.dropFirst()) {
            kernel.write(
              px.baseAddress!, runs: start..<end, path: .native, scale: ps.baseAddress!,
              codes: pc.baseAddress!)
          }
        }
      }
    }
    return (scale, codes)
  }
}
