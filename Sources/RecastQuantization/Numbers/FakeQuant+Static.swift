import CRecastKernels
public import RecastTensor

extension FakeQuant {
  /// Static quantization of a float32 tensor: the parameters `QParams.compute(for: x, spec: spec)` gives and the
  /// codes `quantize(x, qparams:)` writes with them, bit for bit.
  ///
  /// For symmetric `zp` 8- and 4-bit integers with float32 scales and no `float_range`, per-block along a
  /// contiguous axis or per-channel on the outermost axis (a weight's usual layouts), both come from one pass:
  /// each group's `a = max |x|` (NaN ignored, so equal to `max(|lo|, |hi|)` of the group's min/max, and 0 for a
  /// group without a number) while its elements are in cache, `s = max(a / d, ε)` with the spec's
  /// `symmetricDivisor` `d`, then the codes.
  /// Other specs and layouts take the two passes.
  public static func quantize(
    _ x: Tensor, spec: QuantizationSpec
  ) throws(QuantizationError) -> (codes: QuantizedTensor, qparams: QParams) {
    guard x.dtype == .float32 else {
      throw QuantizationError("quantization observes float32 tensors, found \(x.dtype)")
    }
    let layout = try GroupLayout(shape: x.shape, granularity: spec.granularity)
    if let kernel = StaticCodes(spec: spec, layout: layout) { return kernel.run(x) }
    let qparams = try QParams.compute(for: x, spec: spec)
    return (try quantize(x, qparams: qparams), qparams)
  }
}

/// The one-pass static kernel behind `FakeQuant.quantize(_:spec:)`: groups are whole contiguous runs (group index
/// = run index), so a thread owns its groups and computes each one's scale just before writing its codes.
struct StaticCodes {
  let spec: QuantizationSpec
  let layout: GroupLayout
  let dtype: QuantDType
  let bits: Int

  /// Elements per tile of `referenceTiles`.
  static let tileElements = 2048

  init?(spec: QuantizationSpec, layout: GroupLayout) {
    let dtype = spec.dtype
    guard spec.qscheme == .symmetric, spec.qformulation == .zp, !dtype.isFloat, spec.floatRange == nil,
      spec.effectiveScaleDType == .float32, dtype.bitWidth == 8 || dtype.bitWidth == 4, layout.count > 0,
      layout.groupStride == 0, layout.ownershipUnit != nil, layout.runLength * layout.groupCount == layout.count
    else { return nil }
    switch layout.kind {
    case .tensor: return nil
    case .channel: guard layout.outer == 1 else { return nil }
    case .block: guard layout.inner == 1 else { return nil }
    }
    (self.spec, self.layout, self.dtype, bits) = (spec, layout, dtype, dtype.bitWidth)
  }

  /// Which code writes the scales and codes: the C kernel `recast_static_codes` (AVX2 when the CPU has it), its
  /// portable build, or the Swift loops of `referenceTiles`, which the other two match bit for bit.
  enum Path {
    case native, portable, reference
  }

  func run(_ x: Tensor, path: Path = .native) -> (codes: QuantizedTensor, qparams: QParams) {
    let n = layout.runLength
    let groups = layout.groupCount
    let zeroPoint = Int32(dtype.symmetricZeroPoint)
    // A chunk starts on a whole group and, for packed codes, on a whole byte.
    let unit = bits == 4 && n % 2 == 1 ? 2 * n : n
    var scale = [Float](repeating: 0, count: groups)
    var values = Tensor(uninitialized: dtype.onnxType, shape: x.shape)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      scale.withUnsafeMutableBufferPointer { ps in
        values.withUnsafeMutableRawBytes { po in
          let (xs, s, out) = (SendableBox(px.baseAddress!), SendableBox(ps.baseAddress!), SendableBox(po.baseAddress!))
          QuantParallel.chunks(layout.count, unit: unit) { range in
            let runs = (range.lowerBound / n)..<(range.upperBound / n)
            write(
              xs.value, runs: runs, path: path, scale: s.value, codes: out.value.assumingMemoryBound(to: UInt8.self))
          }
        }
      }
    }
    let qparams = QParams(
      scale: scale, zeroPoint: [Int32](repeating: zeroPoint, count: groups), dtype: dtype,
      granularity: spec.granularity, scaleShape: layout.scaleShape)
    let codes = QuantizedTensor(
      values: values, scale: Tensor(shape: layout.scaleShape, floats: scale),
      zeroPoint: Self.constantZeroPoint(zeroPoint, dtype: dtype, shape: layout.scaleShape),
      axis: qparams.axis.map { FakeQuant.normalizedAxis($0, x.rank) }, blockSize: qparams.blockSize)
    return (codes, qparams)
  }

  /// Whether `Path.native` runs the AVX2 kernel on this machine.
  static var vectorized: Bool { recast_static_codes_vectorized() != 0 }

  /// Scales and codes of runs `runs` (for packed codes starting on a whole byte) by `path`: each group's scale to
  /// `scale[g]`, its codes to their bytes (or nibbles) of `codes`. Groups are independent, so any split gives the
  /// same output.
  func write(
    _ x: UnsafePointer<Float>, runs: Range<Int>, path: Path, scale: UnsafeMutablePointer<Float>,
    codes: UnsafeMutablePointer<UInt8>
  ) {
    let zeroPoint = Float(dtype.symmetricZeroPoint)
    let params = recast_static_params(
      divisor: Float(spec.symmetricDivisor), epsilon: QParams.epsilon, low: Float(dtype.qmin) - zeroPoint,
      high: Float(dtype.qmax) - zeroPoint, zero: UInt32(dtype.symmetricZeroPoint), bits: Int32(bits))
    let n = layout.runLength
    switch path {
    case .native: recast_static_codes(x, n, runs.lowerBound, runs.upperBound, params, scale, codes)
    case .portable: recast_static_codes_portable(x, n, runs.lowerBound, runs.upperBound, params, scale, codes)
    case .reference: referenceTiles(x, runs, scale: scale, codes: codes)
    }
  }

  /// Scales and codes of runs `runs` (starting on a whole byte of packed codes) in Swift, tile by tile: a tile's
  /// ranges are reduced first, then its codes written, while it is in L1.
  func referenceTiles(
    _ x: UnsafePointer<Float>, _ runs: Range<Int>, scale s: UnsafeMutablePointer<Float>,
    codes o: UnsafeMutablePointer<UInt8>
  ) {
    let n = layout.runLength
    let half = Float(spec.symmetricDivisor)  // exact: 127.5, 7.5 or 127, 7
    let zeroPoint = Int32(dtype.symmetricZeroPoint)
    let high = Float(dtype.qmax) - Float(zeroPoint)
    let (qmin, qmax) = (Float(dtype.qmin), Float(dtype.qmax))
    var tileRuns = Swift.max(1, Self.tileElements / n)
    if bits == 4 && n % 2 == 1 && tileRuns % 2 == 1 { tileRuns += 1 }
    var maxima = [UInt32](repeating: 0, count: tileRuns)
    // Packed formats: a tile's code bytes, folded into nibble pairs once the tile is done.
    var scratch = [UInt8](repeating: 0, count: bits == 4 ? tileRuns * n : 0)
    var run = runs.lowerBound
    while run < runs.upperBound {
      let last = Swift.min(runs.upperBound, run + tileRuns)
      maxima.withUnsafeMutableBufferPointer { m in
        scratch.withUnsafeMutableBufferPointer { c in
          // `|x|` bit patterns order like the values, NaN above +∞: a group's largest pattern is its `max |x|`, or
          // above +∞ when it holds a NaN, and only then is the NaN-ignoring float maximum needed. Float division
          // equals the reference's Double division rounded to Float (53 ≥ 2·24 + 2).
          for r in run..<last { m[r - run] = StaticCodes.absMaxBits(x + r * n, n) }
          for r in run..<last { s[r] = Swift.max(Float(bitPattern: m[r - run]) / half, QParams.epsilon) }
          for r in run..<last where m[r - run] > StaticCodes.infinityBits {
            s[r] = Swift.max(StaticCodes.absMax(x + r * n, n) / half, QParams.epsilon)
          }
          for r in run..<last {
            // Bytes straight to the output, or to the tile's scratch for packing.
            let target = bits == 8 ? o + r * n : c.baseAddress! + (r - run) * n
            if m[r - run] < StaticCodes.infinityBits {
              StaticCodes.codes(
                x + r * n, target, n, scale: s[r], high: high, zero: UInt32(truncatingIfNeeded: zeroPoint))
            } else {
              let group = IntegerCodes.Group(scale: s[r], zeroPoint: zeroPoint, qmin: qmin, qmax: qmax)
              for i in 0..<n { target[i] = group.code(x[r * n + i]) }
            }
          }
          if bits == 4 { StaticCodes.packPairs(c.baseAddress!, o + run * n / 2, (last - run) * n) }
        }
      }
      run = last
    }
  }

  /// A zero-point tensor holding `z` everywhere (packed two a byte for 4-bit types, a trailing odd nibble 0).
  static func constantZeroPoint(_ z: Int32, dtype: QuantDType, shape: [Int]) -> Tensor {
    let code = UInt8(truncatingIfNeeded: z)
    let count = shape.reduce(1, *)
    var t = Tensor(uninitialized: dtype.onnxType, shape: shape)
    t.withUnsafeMutableRawBytes { p in
      guard !p.isEmpty else { return }
      if dtype.bitWidth == 8 {
        p.initializeMemory(as: UInt8.self, repeating: code)
        return
      }
      let nibble = code & 0x0F
      p.initializeMemory(as: UInt8.self, repeating: nibble | nibble << 4)
      if count % 2 == 1 { p[p.count - 1] = nibble }
    }
    return t
  }

  /// The bit pattern of `+∞`.
  static let infinityBits = Float.infinity.bitPattern

  /// The largest bit pattern of `|x[i]|` over `n` contiguous floats: the bit pattern of `max |x|` when no element is
  /// NaN, above `infinityBits` when one is. A plain loop, which the compiler vectorises (with an unsigned-maximum
  /// reduction) better than hand-written SIMD selects on SSE2.
  @inline(__always)
  static func absMaxBits(_ x: UnsafePointer<Float>, _ n: Int) -> UInt32 {
    let bits = UnsafeRawPointer(x).assumingMemoryBound(to: UInt32.self)
    var m: UInt32 = 0
    for i in 0..<n {
      let v = bits[i] & 0x7FFF_FFFF
      m = v > m ? v : m
    }
    return m
  }

  /// `max |x[i]|` over `n` contiguous floats, NaN ignored (0 when there is no number).
  static func absMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m: Float = 0
    for i in 0..<n {
      let v = Swift.abs(x[i])
      m = v > m ? v : m
    }
    return m
  }

  /// Code bytes (low byte of `round_half_even(x / s) + z`) of a group whose scale came from its own finite, NaN-free
  /// range: `|x / s| ≤ a / s`, at most `d·(1 + 2^−23)` for the divisor `d` (or below it when the guard raised `s`).
  /// With `d = 2^(b−1) − 1` that rounds inside `[qmin − z, qmax − z]`; with `d = (qmax − qmin) / 2` only `+a` can
  /// round one past the top, to `qmax − z + 1`, and `−a` still rounds to `qmin − z`. So `IntegerCodes`' NaN
  /// replacement and lower clamp change nothing and are skipped, and the upper clamp to `high = qmax − z` is kept.
  /// The rounding is `IntegerCodes`' `1.5·2²³` addition. A plain loop, vectorised by the compiler.
  @inline(__always)
  static func codes(
    _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>, _ n: Int, scale: Float, high: Float, zero: UInt32
  ) {
    for i in 0..<n {
      let v = x[i] / scale
      out[i] = UInt8(truncatingIfNeeded: ((v > high ? high : v) + IntegerCodes.magic).bitPattern &+ zero)
    }
  }

  /// Folds `count` code bytes into nibble pairs, low nibble first (a trailing odd code gets a zero high nibble).
  @inline(__always)
  static func packPairs(_ codes: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<UInt8>, _ count: Int) {
    for j in 0..<(count / 2) {
      out[j] = (codes[2 * j] & 0x0F) | (codes[2 * j + 1] << 4)
    }
    if count % 2 == 1 { out[count / 2] = codes[count - 1] & 0x0F }
  }
}
