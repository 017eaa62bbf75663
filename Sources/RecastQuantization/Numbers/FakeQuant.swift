public import RecastTensor

/// Fake quantization: quantize and dequantize in float32, `x̂ = DQ(Q(x))`, with the exact ONNX semantics of a
/// `QuantizeLinear → DequantizeLinear` pair.
///
/// - Integers, `zp`: `x̂ = (clamp(round_half_even(x / s) + z, qmin, qmax) − z) · s`.
/// - Integers, `minval`: `x̂ = (clamp(round_half_even((x − m) / s) + qmin, qmin, qmax) − qmin) · s + m`.
/// - Floats: `x̂ = s · round_to_format(x / s)`: round half to even on the format's grid (subnormals included),
///   saturating to `±formatMax` (448, 57344, 6).
///
/// The division is a true `x / s` (not a multiplication by `1/s`), as ONNX specifies. NaN inputs give `0` for
/// integer formats and float4 (no NaN code) and NaN for float8. Shapes: `x` any shape; the parameters' groups
/// follow `qparams.granularity` (per-tensor, per-axis, or blocks of `blockSize` along the axis, which must
/// divide that dimension). Work is split over cores for large tensors.
public enum FakeQuant {
  /// `DQ(Q(x))` for a float32 tensor; the result has `x`'s shape.
  public static func apply(_ x: Tensor, qparams: QParams, spec: QuantizationSpec) throws(QuantizationError) -> Tensor {
    let plan = try KernelPlan(x, qparams)
    var out = Tensor(zeros: .float32, shape: x.shape)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      out.withUnsafeMutableBufferPointer(as: Float.self) { po in
        guard let xs = px.baseAddress, let ys = po.baseAddress else { return }
        let y = SendableBox(ys)
        QuantParallel.chunks(plan.layout.count) { range in
          plan.fakeQuantize(xs, y.value, range)
        }
      }
    }
    return out
  }

  /// Fake quantization with parameters computed from `x` itself (the `static` calculator).
  public static func apply(_ x: Tensor, spec: QuantizationSpec) throws(QuantizationError) -> Tensor {
    try apply(x, qparams: QParams.compute(for: x, spec: spec), spec: spec)
  }

  /// The straight-through-estimator mask: `true` where `x` is inside the representable range, i.e. where the
  /// rounded code was not clamped (`qmin ≤ round_half_even(x/s) + z ≤ qmax`; for floats, where the value did not
  /// saturate). The gradient of `x̂` with respect to `x` is 1 inside and 0 outside.
  public static func mask(_ x: Tensor, qparams: QParams) throws(QuantizationError) -> [Bool] {
    let plan = try KernelPlan(x, qparams)
    var out = [Bool](repeating: false, count: plan.layout.count)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      out.withUnsafeMutableBufferPointer { po in
        guard let xs = px.baseAddress, let ms = po.baseAddress else { return }
        let m = SendableBox(ms)
        QuantParallel.chunks(plan.layout.count) { range in
          plan.mask(xs, m.value, range)
        }
      }
    }
    return out
  }

  /// Rounds `v` to the float format's grid (half to even, subnormals included) and saturates to `±maxValue`;
  /// the sign (including −0) is kept. NaN stays NaN.
  @inline(__always)
  public static func roundToFormat(_ v: Float, mantissaBits: Int, minExponent: Int, maxValue: Float) -> Float {
    let bits = v.bitPattern
    let sign = bits & 0x8000_0000
    let a = Float(bitPattern: bits & 0x7FFF_FFFF)
    var e = Int32(truncatingIfNeeded: (bits >> 23) & 0xFF) - 127
    e = e < Int32(minExponent) ? Int32(minExponent) : e
    let quantumExp = e - Int32(mantissaBits)
    // 2^−q and 2^q as bit patterns (both within the normal range for every mini-float format).
    let inverse = Float(bitPattern: UInt32(bitPattern: 127 - quantumExp) << 23)
    let quantum = Float(bitPattern: UInt32(bitPattern: 127 + quantumExp) << 23)
    let magic: Float = 12_582_912
    var r = ((a * inverse + magic) - magic) * quantum
    r = r > maxValue ? maxValue : r
    r = a != a ? a : r
    return Float(bitPattern: r.bitPattern | sign)
  }
}
