/// How one tensor is quantized: the number format, how its range maps onto that format, and which algorithms
/// compute the range and the quantization parameters.
///
/// Fields mirror coreai-opt's `QuantizationSpec` (recipe keys in parentheses):
/// - `dtype` (`dtype`): the quantized number format.
/// - `qscheme` (`qscheme`): symmetric (`z = 0`, or the midpoint for unsigned) or asymmetric (`z` fitted).
/// - `qformulation` (`qformulation`): `zp`: `q = clamp(round(x/s) + z)`; `minval`: `q = clamp(round((x − min)/s) + qmin)`.
/// - `granularity` (`granularity`): one scale per tensor, per channel or per block.
/// - `qparamCalculator` (`qparam_calculator_cls`): observer name (`default`, `static`, `moving_average`, ...).
/// - `rangeCalculator` (`range_calculator_cls`): how a batch is reduced to a range (`minmax`).
/// - `fakeQuantize` (`fake_quantize_cls`): fake-quantization implementation name.
/// - `floatRange` (`float_range`): clamps the observed range; a `nil` bound keeps the observed one.
/// - `scaleDType` (`scale_dtype`): storage type of the scale; `nil` means float32.
/// - `narrowRange` (`narrow_range`, Recast's): symmetric integers only. `false` (coreai-opt's and PyTorch's
///   convention) maps the largest magnitude `a` onto the whole code range, `s = a / ((qmax − qmin) / 2)`, so `−a`
///   lands on `qmin` and `+a` is clipped by half a step; `true` (onnxruntime `quantize_static`'s weights) divides by
///   `2^(b−1) − 1` so `±a` land on `z ± (2^(b−1) − 1)` and the lowest code stays unused.
public struct QuantizationSpec: Sendable, Hashable {
  public var dtype: QuantDType
  public var qscheme: QScheme
  public var qformulation: QFormulation
  public var granularity: Granularity
  public var qparamCalculator: String
  public var rangeCalculator: String
  public var fakeQuantize: String
  public var floatRange: ClosedRangeBounds?
  public var scaleDType: ScaleDType?
  public var narrowRange: Bool

  public init(
    dtype: QuantDType, qscheme: QScheme = .symmetric, qformulation: QFormulation = .zp,
    granularity: Granularity = .perTensor, qparamCalculator: String = "default", rangeCalculator: String = "minmax",
    fakeQuantize: String = "default", floatRange: ClosedRangeBounds? = nil, scaleDType: ScaleDType? = nil,
    narrowRange: Bool = false
  ) {
    self.dtype = dtype
    self.qscheme = qscheme
    self.qformulation = qformulation
    self.granularity = granularity
    self.qparamCalculator = qparamCalculator
    self.rangeCalculator = rangeCalculator
    self.fakeQuantize = fakeQuantize
    self.floatRange = floatRange
    self.scaleDType = scaleDType
    self.narrowRange = narrowRange
  }

  /// The scale storage type with the default applied (`float32` when unset).
  public var effectiveScaleDType: ScaleDType { scaleDType ?? .float32 }

  /// The divisor of a symmetric integer scale `s = a / d`: `(qmax − qmin) / 2` (127.5 for 8 bits, 7.5 for 4, 1.5
  /// for 2), or `2^(b−1) − 1` (127, 7, 1) with `narrowRange`.
  public var symmetricDivisor: Double { Self.symmetricDivisor(bits: dtype.bitWidth, narrowRange: narrowRange) }

  /// Why `narrowRange` cannot apply to this spec (it is set on an asymmetric, `minval` or float spec), or nil.
  public var narrowRangeProblem: String? {
    guard narrowRange, qscheme != .symmetric || qformulation != .zp || dtype.isFloat else { return nil }
    let what =
      dtype.isFloat
      ? "a \(dtype.rawValue) spec" : qscheme != .symmetric ? "an \(qscheme.rawValue) spec" : "the minval formulation"
    return "narrow_range applies only to symmetric integer specs in the zp formulation, not to \(what)"
  }

  /// `symmetricDivisor` for a `bits`-wide integer format.
  public static func symmetricDivisor(bits: Int, narrowRange: Bool) -> Double {
    narrowRange ? Double((1 << (bits - 1)) - 1) : Double((1 << bits) - 1) / 2
  }
}

/// A range whose bounds may each be missing (`float_range: [null, 6.0]`). A missing bound means "use the observed".
public struct ClosedRangeBounds: Sendable, Hashable {
  public var min: Double?
  public var max: Double?

  public init(min: Double? = nil, max: Double? = nil) {
    self.min = min
    self.max = max
  }

  /// Applies the bounds to an observed range: `(min ?? observedMin, max ?? observedMax)`.
  public func clamp(min observedMin: Float, max observedMax: Float) -> (min: Float, max: Float) {
    (self.min.map { Float($0) } ?? observedMin, self.max.map { Float($0) } ?? observedMax)
  }
}
