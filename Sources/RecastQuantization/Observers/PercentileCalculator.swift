public import RecastTensor

/// `percentile`: clips outliers by taking the range from quantiles of an exact histogram of everything seen.
///
/// Symmetric: `a = quantile_p(|x|)`, range `[−a, a]`. Asymmetric: `[quantile_{1−p}(x), quantile_p(x)]`. Quantiles
/// interpolate linearly inside a bin and never exceed the observed range. `p = 99.99` by default. Per-channel and
/// per-block specs keep one histogram per group and clip each group on its own. Merging is exact (see `Histogram`).
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

  /// The clipped range, per group.
  public var range: GroupRange? {
    let p = percentile / 100
    let symmetric = spec.qscheme == .symmetric
    return try? state.ranges { h in
      if symmetric {
        let a = h.absoluteQuantile(p)
        return (Swift.max(h.min, -a), Swift.min(h.max, a))
      }
      return (h.quantile(1 - p), h.quantile(p))
    }
  }

  public mutating func observe(_ x: Tensor) throws(QuantizationError) { try state.observe(x, spec, "percentile") }

  public mutating func merge(_ other: any QParamCalculator) throws(QuantizationError) {
    try state.merge(try sameKind(other).state)
  }
}
