public import RecastTensor

/// `percentile`: clips outliers by taking the range from quantiles of an exact histogram of everything seen.
///
/// Symmetric: `a = quantile_p(|x|)`, range `[−a, a]`. Asymmetric: `[quantile_{1−p}(x), quantile_p(x)]`. Quantiles
/// interpolate linearly inside a bin and never exceed the observed range. `p = 99.99` by default. Merging is
/// exact (see `Histogram`).
public struct PercentileCalculator: QParamCalculator {
  public static let defaultPercentile = 99.99

  public let spec: QuantizationSpec
  /// Percentile in `(0, 100]`.
  public let percentile: Double
  public private(set) var state: HistogramState

  public init(spec: QuantizationSpec, percentile: Double = defaultPercentile, bins: Int = Histogram.defaultBinLimit) {
    self.spec = spec
    self.percentile = percentile
    state = HistogramState(binLimit: bins)
  }

  /// The clipped range.
  public var range: GroupRange? {
    let h = state.histogram
    guard h.total > 0 else { return nil }
    let p = percentile / 100
    if spec.qscheme == .symmetric {
      let a = h.absoluteQuantile(p)
      return GroupRange(min: [Swift.max(h.min, -a)], max: [Swift.min(h.max, a)], scaleShape: [])
    }
    return GroupRange(min: [h.quantile(1 - p)], max: [h.quantile(p)], scaleShape: [])
  }

  public mutating func observe(_ x: Tensor) throws(QuantizationError) { try state.observe(x, spec, "percentile") }

  public mutating func merge(_ other: any QParamCalculator) throws(QuantizationError) {
    state.merge(try sameKind(other).state)
  }
}
