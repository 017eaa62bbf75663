import RecastTensor

/// Per-group constants and the inner loops shared by fake quantization, the mask and quantization.
///
/// Every format is expressed as `x̂ = m + s · c` with `c = clamp(round((x − m) / s), lo, hi)`: `zp` uses `m = 0`,
/// `lo = qmin − z`, `hi = qmax − z`; `minval` uses the offset `m`, `lo = 0`, `hi = qmax − qmin`. Adding `m = 0`
/// also turns a `−0` into `+0`, as `DequantizeLinear`'s `(q − z)·s` does. Float formats use `round_to_format`.
struct KernelPlan {
  let layout: GroupLayout
  let dtype: QuantDType
  let scale: [Float]
  let offset: [Float]
  let low: [Float]
  let high: [Float]
  let zero: [Int32]
  /// For float formats: mantissa bits, smallest exponent and largest value.
  let format: (mantissaBits: Int, minExponent: Int, maxValue: Float)?

  init(_ x: Tensor, _ qparams: QParams) throws(QuantizationError) {
    layout = try KernelPlan.layout(x, qparams)
    dtype = qparams.dtype
    scale = qparams.scale
    let (qmin, qmax) = (Float(dtype.qmin), Float(dtype.qmax))
    if let m = qparams.offset {
      offset = m
      low = [Float](repeating: 0, count: m.count)
      high = [Float](repeating: qmax - qmin, count: m.count)
    } else {
      offset = [Float](repeating: 0, count: scale.count)
      low = qparams.zeroPoint.map { qmin - Float($0) }
      high = qparams.zeroPoint.map { qmax - Float($0) }
    }
    zero = qparams.zeroPoint
    if let f = dtype.miniFloat {
      format = (f.mantissaBits, 1 - f.bias, f.maxValue)
    } else {
      format = nil
    }
  }

  /// The group layout of `x` for `qparams`, checking that `x` is float32 and that the parameters fit it.
  static func layout(_ x: Tensor, _ qparams: QParams) throws(QuantizationError) -> GroupLayout {
    guard x.dtype == .float32 else { throw QuantizationError("quantization needs a float32 tensor, found \(x.dtype)") }
    let layout = try GroupLayout(shape: x.shape, granularity: qparams.granularity)
    guard layout.groupCount == qparams.scale.count, layout.scaleShape == qparams.scaleShape else {
      throw QuantizationError(
        "parameters with scale shape \(qparams.scaleShape) do not fit \(qparams.granularity.typeName) "
          + "quantization of shape \(x.shape) (expected scale shape \(layout.scaleShape))")
    }
    return layout
  }

  /// Integer code relative to the offset: `clamp(round_half_even((x − m) / s), lo, hi)`; NaN gives 0 clamped.
  /// The quotient is clamped to one beyond the range first so the 1.5·2²³ rounding trick stays exact.
  @inline(__always)
  static func code(_ x: Float, _ m: Float, _ s: Float, _ lo: Float, _ hi: Float) -> Float {
    let magic: Float = 12_582_912
    var v = (x - m) / s
    v = v != v ? 0 : v
    v = v < lo - 1 ? lo - 1 : v
    v = v > hi + 1 ? hi + 1 : v
    var c = (v + magic) - magic
    c = c < lo ? lo : c
    c = c > hi ? hi : c
    return c
  }

  func fakeQuantize(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
    scale.withUnsafeBufferPointer { ps in
      offset.withUnsafeBufferPointer { pm in
        low.withUnsafeBufferPointer { pl in
          high.withUnsafeBufferPointer { ph in
            let (s, m, l, h) = (ps.baseAddress!, pm.baseAddress!, pl.baseAddress!, ph.baseAddress!)
            if let f = format {
              layout.forEachRun(in: range) { start, end, g, stride in
                for i in start..<end {
                  let k = g + (i - start) * stride
                  let v = FakeQuant.roundToFormat(
                    x[i] / s[k], mantissaBits: f.mantissaBits, minExponent: f.minExponent, maxValue: f.maxValue)
                  y[i] = v * s[k]
                }
              }
              return
            }
            layout.forEachRun(in: range) { start, end, g, stride in
              if stride == 0 {
                let (sk, mk, lk, hk) = (s[g], m[g], l[g], h[g])
                for i in start..<end { y[i] = mk + sk * KernelPlan.code(x[i], mk, sk, lk, hk) }
              } else {
                let (sg, mg, lg, hg) = (s + g - start, m + g - start, l + g - start, h + g - start)
                for i in start..<end { y[i] = mg[i] + sg[i] * KernelPlan.code(x[i], mg[i], sg[i], lg[i], hg[i]) }
              }
            }
          }
        }
      }
    }
  }

  func mask(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Bool>, _ range: Range<Int>) {
    layout.forEachRun(in: range) { start, end, g, stride in
      for i in start..<end {
        let k = g + (i - start) * stride
        if let f = format {
          let v = (x[i] - offset[k]) / scale[k]
          let r = FakeQuant.roundToFormat(v, mantissaBits: f.mantissaBits, minExponent: f.minExponent, maxValue: .infinity)
          out[i] = Swift.abs(r) <= f.maxValue
        } else {
          out[i] = KernelPlan.inside(x[i], offset[k], scale[k], low[k], high[k])
        }
      }
    }
  }

  /// Whether the integer code of `x` lies in `[lo, hi]` (the test of `mask` and of the straight-through gradient):
  /// `round_half_even((x − m) / s)` by the
  /// 1.5·2²³ trick below 2²² in magnitude (larger quotients are integers already).
  @inline(__always)
  static func inside(_ x: Float, _ m: Float, _ s: Float, _ lo: Float, _ hi: Float) -> Bool {
    let magic: Float = 12_582_912
    let v = (x - m) / s
    let c = Swift.abs(v) < 4_194_304 ? (v + magic) - magic : v
    return c >= lo && c <= hi
  }
}
