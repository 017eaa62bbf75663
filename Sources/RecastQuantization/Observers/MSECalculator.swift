public import RecastTensor

/// `mse`: searches the clipping range that minimises the quantization error over an exact histogram.
///
/// Candidates shrink the observed range by `α = i / steps`, `i = 1…steps` (symmetric: `[−α·a, α·a]` with
/// `a = max|x|`; asymmetric: `[α·min, α·max]`). For each, parameters come from `QParams.compute` and the error is
/// `Σ_b n_b · (c_b − x̂(c_b))²` over bin centres `c_b`. The smallest error wins (ties: the wider range). Per-channel
/// and per-block specs keep one histogram per group and search each group on its own. Merging is exact (see
/// `Histogram`); the search runs in `range`.
public struct MSECalculator: QParamCalculator {
  public static let defaultSteps = 100

  public let spec: QuantizationSpec
  public let steps: Int
  public private(set) var state: HistogramState

  public init(spec: QuantizationSpec, steps: Int = defaultSteps, bins: Int = Histogram.defaultBinLimit) {
    self.spec = spec
    self.steps = Swift.max(1, steps)
    state = HistogramState(binLimit: bins)
  }

  public var range: GroupRange? { try? searchRange() }

  /// The best candidate range of every group.
  public func searchRange() throws(QuantizationError) -> GroupRange? {
    var single = spec
    single.granularity = .perTensor
    return try state.ranges { h throws(QuantizationError) in try Self.search(h, spec: single, steps: steps) }
  }

  /// The best candidate range for one group's histogram, with `spec` per-tensor.
  static func search(_ h: Histogram, spec: QuantizationSpec, steps: Int) throws(QuantizationError) -> (Float, Float) {
    let bins = h.bins.filter { $0.count > 0 }
    let centres = Tensor(shape: [bins.count], floats: bins.map { Float($0.lower + h.binWidth / 2) })
    let c = centres.scalars(as: Float.self)
    let weights = bins.map { Double($0.count) }
    let a = Swift.max(Swift.abs(h.min), Swift.abs(h.max))
    var best: (error: Double, lo: Float, hi: Float)?
    for i in stride(from: steps, through: 1, by: -1) {
      let alpha = Float(i) / Float(steps)
      let (lo, hi) = spec.qscheme == .symmetric ? (-alpha * a, alpha * a) : (alpha * h.min, alpha * h.max)
      let q = try QParams.compute(min: [lo], max: [hi], spec: spec, scaleShape: [])
      let y = try FakeQuant.apply(centres, qparams: q, spec: spec).scalars(as: Float.self)
      var error = 0.0
      for j in y.indices {
        let d = Double(c[j]) - Double(y[j])
        error += weights[j] * d * d
      }
      if best == nil || error < best!.error { best = (error, lo, hi) }
    }
    return best.map { ($0.lo, $0.hi) } ?? (h.min, h.max)
  }

  public mutating func observe(_ x: Tensor) throws(QuantizationError) { try state.observe(x, spec, "mse") }

  public mutating func merge(_ other: any QParamCalculator) throws(QuantizationError) {
    try state.merge(try sameKind(other).state)
  }
}
