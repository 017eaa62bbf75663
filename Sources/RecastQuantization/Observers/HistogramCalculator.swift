import RecastTensor

/// State shared by the histogram-based calculators (`percentile`, `mse`): one exact, mergeable `Histogram` of all
/// values seen. Per-tensor granularity only.
public struct HistogramState: Sendable, Hashable {
  public private(set) var histogram: Histogram

  init(binLimit: Int) { histogram = Histogram(binLimit: binLimit) }

  mutating func observe(_ x: Tensor, _ spec: QuantizationSpec, _ name: String) throws(QuantizationError) {
    guard spec.granularity == .perTensor else {
      throw QuantizationError("the \(name) calculator supports per_tensor granularity only, found \(spec.granularity.typeName)")
    }
    guard x.dtype == .float32 else { throw QuantizationError("quantization observes float32 tensors, found \(x.dtype)") }
    x.withUnsafeBufferPointer(as: Float.self) { histogram.add($0) }
  }

  mutating func merge(_ other: HistogramState) { histogram.merge(other.histogram) }

  var observedRange: GroupRange? {
    histogram.total == 0 ? nil : GroupRange(min: [histogram.min], max: [histogram.max], scaleShape: [])
  }
}
