public import RecastTensor

/// Quantization parameters for one tensor: a scale per group and either an integer zero point (`zp`
/// formulation) or a float offset (`minval` formulation).
///
/// Conventions (`compute(min:max:spec:scaleShape:)`), with `[lo, hi]` a group's range after `float_range`:
/// - Integer, symmetric: `a = max(|lo|, |hi|)`, `z = 0` (signed) or `2^(b−1)` (unsigned: 128, 8, 2), and
///   `s = a / ((qmax − qmin) / 2)` (127.5 for 8 bits, 7.5 for 4, 1.5 for 2): coreai-opt's and PyTorch's full-range
///   scale, so `−a` lands on `qmin` and `+a` rounds to `qmax + 1` and is clipped by half a step. With
///   `narrow_range` the divisor is `2^(b−1) − 1` (127, 7, 1), so `±a` land exactly on `z ± (2^(b−1) − 1)`: for int8
///   onnxruntime `quantize_static`'s symmetric weight scale (`2a / 254`). The codes are clamped to the dtype's
///   whole range either way, as ONNX `QuantizeLinear` does.
/// - Integer, asymmetric: the range is widened to include 0 (`lo ≤ 0 ≤ hi`), `s = (hi − lo) / (qmax − qmin)`,
///   `z = clamp(round_half_even(qmin − lo / s), qmin, qmax)` — computed in Double from the unrounded scale, then
///   `s` stored as Float, exactly as onnxruntime's `compute_scale_zp`.
/// - Float formats (symmetric only): `s = a / formatMax` (448, 57344, 6), `z = 0`.
/// - `minval` (integers): no widening; symmetric uses `[−a, a]`. `s = (hi − lo) / (qmax − qmin)`, offset `m = lo`;
///   `q = clamp(round_half_even((x − m) / s) + qmin, qmin, qmax)`, `x̂ = (q − qmin)·s + m`.
/// - Guard: `s = max(s, ε)` with `ε = 2^−126` (the smallest normal float), so a constant-zero group gets a
///   tiny positive scale instead of a division by zero and still dequantizes to exactly 0.
/// - `scale_dtype: float8_e8m0fnu`: `s ← 2^⌈log2 s⌉` (rounded *up*, clamped to `[2^−127, 2^127]`), so the
///   observed range still fits and nothing saturates; `z` is then recomputed from the rounded scale.
///   `float16`: `s` is rounded up to the next binary16 value (clamped to `[2^−24, 65504]`).
public struct QParams: Sendable, Hashable {
  /// Scales in the row-major order of `scaleShape`.
  public var scale: [Float]
  /// Integer zero points (`zp` formulation; all 0 for float formats and for `minval`).
  public var zeroPoint: [Int32]
  /// Float offsets `m` (the real value of `qmin`) for the `minval` formulation, else `nil`.
  public var offset: [Float]?
  public var dtype: QuantDType
  /// The granularity with its axis resolved.
  public var granularity: Granularity
  /// ONNX layout of the scale tensor: `[]` per-tensor, `[C]` per-channel, `x.shape` with `dim / blockSize` at
  /// the axis per-block.
  public var scaleShape: [Int]

  public init(
    scale: [Float], zeroPoint: [Int32], offset: [Float]? = nil, dtype: QuantDType, granularity: Granularity,
    scaleShape: [Int]
  ) {
    precondition(scale.count == zeroPoint.count, "\(scale.count) scales for \(zeroPoint.count) zero points")
    self.scale = scale
    self.zeroPoint = zeroPoint
    self.offset = offset
    self.dtype = dtype
    self.granularity = granularity
    self.scaleShape = scaleShape
  }

  /// The scale guard `ε = 2^−126`.
  public static let epsilon: Float = .leastNormalMagnitude

  /// The per-channel or per-block axis (`nil` per-tensor).
  public var axis: Int? { granularity.axis }
  /// The block size for per-block parameters.
  public var blockSize: Int? { granularity.blockSize }
  public var formulation: QFormulation { offset == nil ? .zp : .minval }

  /// Parameters from per-group ranges (see the type's documentation for every formula).
  ///
  /// - Parameters:
  ///   - min, max: one entry per group, in scale order. `+∞/−∞` (an empty group) count as 0.
  ///   - scaleShape: the scale tensor's shape; defaults to `[]` for one group and `[count]` otherwise.
  /// - Throws: for float formats with `asymmetric` or `minval`, or mismatched counts.
  public static func compute(
    min: [Float], max: [Float], spec: QuantizationSpec, scaleShape: [Int]? = nil
  ) throws(QuantizationError) -> QParams {
    guard min.count == max.count, !min.isEmpty else {
      throw QuantizationError("need one min and one max per group, found \(min.count) and \(max.count)")
    }
    let shape = scaleShape ?? (min.count == 1 && spec.granularity == .perTensor ? [] : [min.count])
    guard shape.reduce(1, *) == min.count else {
      throw QuantizationError("scale shape \(shape) does not hold \(min.count) groups")
    }
    let dtype = spec.dtype
    if dtype.isFloat && spec.qscheme == .asymmetric {
      throw QuantizationError("\(dtype) supports only symmetric quantization")
    }
    if dtype.isFloat && spec.qformulation == .minval {
      throw QuantizationError("\(dtype) supports only the zp formulation")
    }
    if let problem = spec.narrowRangeProblem { throw QuantizationError(problem) }
    if spec.qscheme == .symmetric && spec.qformulation == .zp && !dtype.isFloat && spec.floatRange == nil
      && spec.effectiveScaleDType == .float32
    {
      return QParams(
        scale: symmetricScales(min: min, max: max, divisor: spec.symmetricDivisor),
        zeroPoint: [Int32](repeating: Int32(dtype.symmetricZeroPoint), count: min.count), dtype: dtype,
        granularity: spec.granularity, scaleShape: shape)
    }
    var scales = [Float](repeating: 0, count: min.count)
    var zeros = [Int32](repeating: 0, count: min.count)
    var offsets: [Float]? = spec.qformulation == .minval ? [Float](repeating: 0, count: min.count) : nil
    let (qmin, qmax) = (Double(dtype.qmin), Double(dtype.qmax))
    for g in min.indices {
      var (lo, hi) = (min[g], max[g])
      if !(lo <= hi) { (lo, hi) = (0, 0) }  // empty group (+∞, −∞) or NaN
      if let bounds = spec.floatRange { (lo, hi) = bounds.clamp(min: lo, max: hi) }
      let (l, h) = (Double(lo), Double(hi))
      let absMax = Swift.max(Swift.abs(l), Swift.abs(h))
      if let formatMax = dtype.formatMax {
        scales[g] = finishScale(absMax / Double(formatMax), spec)
        continue
      }
      if spec.qformulation == .minval {
        let (a, b) = spec.qscheme == .symmetric ? (-absMax, absMax) : (l, Swift.max(h, l))
        scales[g] = finishScale((b - a) / (qmax - qmin), spec)
        offsets![g] = Float(a)
        continue
      }
      switch spec.qscheme {
      case .symmetric:
        scales[g] = finishScale(absMax / spec.symmetricDivisor, spec)
        zeros[g] = Int32(dtype.symmetricZeroPoint)
      case .asymmetric:
        let (a, b) = (Swift.min(l, 0), Swift.max(h, 0))
        let exact = (b - a) / (qmax - qmin)
        let stored = finishScale(exact, spec)
        // onnxruntime divides by the unrounded Double scale; a guarded or re-rounded scale is used as stored.
        let s = stored == Float(exact) ? exact : Double(stored)
        scales[g] = stored
        let z = (qmin - a / s).rounded(.toNearestOrEven)
        zeros[g] = Int32(Swift.min(qmax, Swift.max(qmin, z)))
      }
    }
    return QParams(
      scale: scales, zeroPoint: zeros, offset: offsets, dtype: dtype, granularity: spec.granularity,
      scaleShape: shape)
  }

  /// Symmetric integer scales `max(|lo|, |hi|) / divisor` with the guard, in one branch-free loop: the general
  /// loop's arithmetic for the common weight-only case (float32 scales, no `float_range`).
  static func symmetricScales(min: [Float], max: [Float], divisor half: Double) -> [Float] {
    return [Float](unsafeUninitializedCapacity: min.count) { out, initialized in
      min.withUnsafeBufferPointer { pl in
        max.withUnsafeBufferPointer { ph in
          for g in 0..<pl.count {
            let ordered = pl[g] <= ph[g]  // false for an empty group (+∞, −∞) or NaN: the range [0, 0]
            let (l, h) = (Double(ordered ? pl[g] : 0), Double(ordered ? ph[g] : 0))
            out[g] = Swift.max(Float(Swift.max(Swift.abs(l), Swift.abs(h)) / half), epsilon)
          }
        }
      }
      initialized = min.count
    }
  }

  /// Parameters from a tensor's own per-group min/max (the `static` calculator on one batch).
  public static func compute(for x: Tensor, spec: QuantizationSpec) throws(QuantizationError) -> QParams {
    let range = try GroupRange(of: x, granularity: spec.granularity)
    return try compute(min: range.min, max: range.max, spec: spec, scaleShape: range.scaleShape)
  }

  /// Float32 scale with the guard and the scale-dtype rounding applied.
  static func finishScale(_ s: Double, _ spec: QuantizationSpec) -> Float {
    let guarded = Swift.max(Float(s), epsilon)
    switch spec.effectiveScaleDType {
    case .float32: return guarded
    case .float8_e8m0fnu: return roundUpToPowerOfTwo(guarded)
    case .float16: return roundUpToFloat16(guarded)
    }
  }

  /// `2^⌈log2 s⌉`, clamped to `[2^−127, 2^127]`.
  public static func roundUpToPowerOfTwo(_ s: Float) -> Float {
    if s.isNaN { return s }
    guard s.isFinite, s > 0 else { return Float(sign: .plus, exponent: s > 0 ? 127 : -127, significand: 1) }
    var e = Int(s.exponent)
    if s.significand > 1 { e += 1 }
    return Float(sign: .plus, exponent: Swift.min(127, Swift.max(-127, e)), significand: 1)
  }

  /// The smallest binary16 value `≥ s`, clamped to `[2^−24, 65504]`.
  public static func roundUpToFloat16(_ s: Float) -> Float {
    if s >= 65504 { return 65504 }
    let e = Swift.max(Int(s.exponent), -14)
    let quantum = Float(sign: .plus, exponent: e - 10, significand: 1)
    return Swift.max((s / quantum).rounded(.up) * quantum, 0x1p-24)
  }
}
