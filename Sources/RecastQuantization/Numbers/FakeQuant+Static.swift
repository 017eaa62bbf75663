public import RecastTensor

extension FakeQuant {
  /// Static quantization of a float32 tensor: the parameters `QParams.compute(for: x, spec: spec)` gives and the
  /// codes `quantize(x, qparams:)` writes with them, bit for bit.
  ///
  /// For symmetric `zp` 8- and 4-bit integers with float32 scales and no `float_range`, per-block along a
  /// contiguous axis or per-channel on the outermost axis (a weight's usual layouts), both come from one pass:
  /// each group's `a = max |x|` (NaN ignored, so equal to `max(|lo|, |hi|)` of the group's min/max, and 0 for a
  /// group without a number) while its elements are in cache, `s = max(a / (2^(b−1) − 1), ε)`, then the codes.
  /// Other specs and layouts take the two passes.
  public static func quantize(
    _ x: Tensor, spec: QuantizationSpec
  ) throws(QuantizationError) -> (codes: QuantizedTensor, qparams: QParams) {
    guard x.dtype == .float32 else { throw QuantizationError("quantization observes float32 tensors, found \(x.dtype)") }
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

  /// Elements per tile: a tile's ranges are reduced first, then its codes written, while it is in L1.
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

  func run(_ x: Tensor) -> (codes: QuantizedTensor, qparams: QParams) {
    let n = layout.runLength
    let groups = layout.groupCount
    let half = Float((1 << (bits - 1)) - 1)
    let zeroPoint = Int32(dtype.symmetricZeroPoint)
    let zero = UInt32(truncatingIfNeeded: zeroPoint)
    let (qmin, qmax) = (Float(dtype.qmin), Float(dtype.qmax))
    // A chunk starts on a whole group and, for packed codes, on a whole byte.
    let unit = bits == 4 && n % 2 == 1 ? 2 * n : n
    var scale = [Float](repeating: 0, count: groups)
    var values = Tensor(uninitialized: dtype.onnxType, shape: x.shape)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      scale.withUnsafeMutableBufferPointer { ps in
        values.withUnsafeMutableRawBytes { po in
          let (xs, s, out) = (SendableBox(px.baseAddress!), SendableBox(ps.baseAddress!), SendableBox(po.baseAddress!))
          let tileRuns = Swift.max(1, Self.tileElements / n)
          let bits = bits
          QuantParallel.chunks(layout.count, unit: unit) { range in
            let x = xs.value
            let s = s.value
            let o = out.value.assumingMemoryBound(to: UInt8.self)
            var run = range.lowerBound / n
            let end = range.upperBound / n
            var maxima = [UInt32](repeating: 0, count: tileRuns)
            while run < end {
              let last = Swift.min(end, run + tileRuns)
              // `|x|` bit patterns order like the values, NaN above +∞: a group's largest pattern is its `max |x|`,
              // or above +∞ when it holds a NaN, and only then is the NaN-ignoring float maximum needed. Float
              // division equals the reference's Double division rounded to Float (53 ≥ 2·24 + 2 bits).
              maxima.withUnsafeMutableBufferPointer { m in
                for r in run..<last { m[r - run] = StaticCodes.absMaxBits(x + r * n, n) }
                for r in run..<last { s[r] = Swift.max(Float(bitPattern: m[r - run]) / half, QParams.epsilon) }
                for r in run..<last where m[r - run] > StaticCodes.infinityBits {
                  s[r] = Swift.max(StaticCodes.absMax(x + r * n, n) / half, QParams.epsilon)
                }
              }
              for r in run..<last {
                let (start, end) = (r * n, r * n + n)
                if maxima[r - run] < StaticCodes.infinityBits && n % 8 == 0 {
                  if bits == 8 {
                    StaticCodes.bytes(x, o, start, end, scale: s[r], zero: zero)
                  } else {
                    StaticCodes.nibbles(x, o, start, end, scale: s[r], zero: zero)
                  }
                  continue
                }
                let group = IntegerCodes.Group(scale: s[r], zeroPoint: zeroPoint, qmin: qmin, qmax: qmax)
                if bits == 8 {
                  IntegerCodes.bytes(x, o, start, end, group)
                } else {
                  IntegerCodes.nibbles(x, o, start, end, group)
                }
              }
              run = last
            }
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

  /// `max` of the bit patterns of `|x[i]|` over `n` contiguous floats (as signed 32-bit integers, which SSE2 compares
  /// directly): the bit pattern of `max |x|` when no element is NaN, above `infinityBits` when one is.
  @inline(__always)
  static func absMaxBits(_ x: UnsafePointer<Float>, _ n: Int) -> UInt32 {
    let mask = SIMD8<Int32>(repeating: 0x7FFF_FFFF)
    var a = SIMD8<Int32>(repeating: 0)
    var b = a
    var i = 0
    while i + 16 <= n {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Int32>.self) & mask
      let w = UnsafeRawPointer(x + i + 8).loadUnaligned(as: SIMD8<Int32>.self) & mask
      a.replace(with: v, where: v .> a)
      b.replace(with: w, where: w .> b)
      i += 16
    }
    if i + 8 <= n {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Int32>.self) & mask
      a.replace(with: v, where: v .> a)
      i += 8
    }
    a.replace(with: b, where: b .> a)
    var a4 = a.lowHalf
    a4.replace(with: a.highHalf, where: a.highHalf .> a4)
    var a2 = a4.lowHalf
    a2.replace(with: a4.highHalf, where: a4.highHalf .> a2)
    var m = a2[1] > a2[0] ? a2[1] : a2[0]
    while i < n {
      let v = Int32(bitPattern: x[i].bitPattern & 0x7FFF_FFFF)
      m = v > m ? v : m
      i += 1
    }
    return UInt32(bitPattern: m)
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

  /// Codes of a group whose scale came from its own finite, NaN-free range, one byte each: `|x / s| ≤ a / s`, at
  /// most `(2^(b−1) − 1)·(1 + 2^−23)` (or below it when the guard raised `s`), rounds inside `[qmin − z, qmax − z]`,
  /// so `IntegerCodes`' NaN replacement and clamps change nothing and are skipped. `n` must be a multiple of 8.
  @inline(__always)
  static func bytes(
    _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int, scale: Float,
    zero: UInt32
  ) {
    let s = SIMD8<Float>(repeating: scale)
    let z = SIMD8<UInt32>(repeating: zero)
    var i = start
    while i < end {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) / s
      let t = unsafeBitCast(v + IntegerCodes.magic, to: SIMD8<UInt32>.self) &+ z
      UnsafeMutableRawPointer(out + i).storeBytes(of: IntegerCodes.packBytes(t), as: UInt64.self)
      i += 8
    }
  }

  /// `bytes`' arithmetic with two codes a byte; `start` must be even.
  @inline(__always)
  static func nibbles(
    _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int, scale: Float,
    zero: UInt32
  ) {
    let s = SIMD8<Float>(repeating: scale)
    let z = SIMD8<UInt32>(repeating: zero)
    var i = start
    while i < end {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) / s
      let t = unsafeBitCast(v + IntegerCodes.magic, to: SIMD8<UInt32>.self) &+ z
      UnsafeMutableRawPointer(out + (i >> 1)).storeBytes(of: IntegerCodes.packNibbles(t), as: UInt32.self)
      i += 8
    }
  }
}
