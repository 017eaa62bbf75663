import RecastTensor

/// State shared by the histogram-based calculators (`percentile`, `mse`): one exact, mergeable `Histogram` per scale
/// group (per-tensor: one; per-channel: one per channel; per-block: one per block), in the scale tensor's row-major
/// order.
///
/// Each histogram sees exactly the elements of its group, so a per-channel calculator's group `c` equals a
/// per-tensor calculator that observed only channel `c`, and merging stays exact group by group.
public struct HistogramState: Sendable, Hashable {
  /// Upper bound on the counters all groups may hold together (`groups × binLimit`, 512 MB of `UInt64`).
  public static let counterBudget = 1 << 26

  /// One histogram per group; empty before the first batch.
  public private(set) var histograms: [Histogram] = []
  /// The scale tensor's shape the groups index (`[]` per-tensor).
  public private(set) var scaleShape: [Int] = []
  public let binLimit: Int

  init(binLimit: Int) { self.binLimit = binLimit }

  /// The first group's histogram (the only one per-tensor); empty before the first batch.
  public var histogram: Histogram { histograms.first ?? Histogram(binLimit: binLimit) }

  mutating func observe(_ x: Tensor, _ spec: QuantizationSpec, _ name: String) throws(QuantizationError) {
    guard x.dtype == .float32 else {
      throw QuantizationError("quantization observes float32 tensors, found \(x.dtype)")
    }
    let layout = try GroupLayout(shape: x.shape, granularity: spec.granularity)
    if histograms.isEmpty {
      guard layout.groupCount == 1 || layout.groupCount * binLimit <= Self.counterBudget else {
        throw QuantizationError(
          "the \(name) calculator keeps a histogram of up to \(binLimit) bins per group, and "
            + "\(spec.granularity.typeName) quantization of shape \(x.shape) has \(layout.groupCount) groups",
          help: "use per_channel or per_tensor granularity for this tensor, or a calculator without histograms")
      }
      histograms = [Histogram](repeating: Histogram(binLimit: binLimit), count: layout.groupCount)
      scaleShape = layout.scaleShape
    } else if layout.scaleShape != scaleShape {
      throw QuantizationError(
        "the \(name) calculator saw groups of scale shape \(scaleShape) before, now \(layout.scaleShape) (shape \(x.shape))"
      )
    }
    if layout.groupCount == 1 {
      x.withUnsafeBufferPointer(as: Float.self) { histograms[0].add($0) }
      return
    }
    // Every group has the same number of elements: gather each group's into its own stretch, then add per group.
    let perGroup = layout.count / layout.groupCount
    guard perGroup > 0 else { return }
    var grouped = [Float](repeating: 0, count: layout.count)
    var cursor = (0..<layout.groupCount).map { $0 * perGroup }
    x.withUnsafeBufferPointer(as: Float.self) { px in
      grouped.withUnsafeMutableBufferPointer { pg in
        layout.forEachRun(in: 0..<layout.count) { start, end, group, stride in
          if stride == 0 {
            for i in start..<end { pg[cursor[group] + i - start] = px[i] }
            cursor[group] += end - start
          } else {
            for i in start..<end {
              let g = group + i - start
              pg[cursor[g]] = px[i]
              cursor[g] += 1
            }
          }
        }
        for g in histograms.indices {
          histograms[g].add(UnsafeBufferPointer(rebasing: pg[(g * perGroup)..<((g + 1) * perGroup)]))
        }
      }
    }
  }

  mutating func merge(_ other: HistogramState) throws(QuantizationError) {
    guard !other.histograms.isEmpty else { return }
    guard !histograms.isEmpty else {
      self = other
      return
    }
    guard other.scaleShape == scaleShape else {
      throw QuantizationError("cannot merge histograms of scale shapes \(scaleShape) and \(other.scaleShape)")
    }
    for g in histograms.indices { histograms[g].merge(other.histograms[g]) }
  }

  /// Per-group ranges from `body` (one group's histogram → its `(lo, hi)`), nil until some group has seen a finite
  /// value. A group without one keeps the empty range `(+∞, −∞)`, which `QParams.compute` treats as `[0, 0]`.
  func ranges(_ body: (Histogram) throws(QuantizationError) -> (Float, Float)) throws(QuantizationError) -> GroupRange?
  {
    guard histograms.contains(where: { $0.total > 0 }) else { return nil }
    var lo = [Float](repeating: .infinity, count: histograms.count)
    var hi = [Float](repeating: -.infinity, count: histograms.count)
    for (g, h) in histograms.enumerated() where h.total > 0 { (lo[g], hi[g]) = try body(h) }
    return GroupRange(min: lo, max: hi, scaleShape: scaleShape)
  }
}
