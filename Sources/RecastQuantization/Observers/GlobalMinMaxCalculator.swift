public import RecastTensor

/// `global_minmax`: the running range over every batch, `min ← min(min, batch_min)`, `max ← max(max, batch_max)`.
///
/// Merging is exact: observing shards separately and merging equals observing everything at once.
public struct GlobalMinMaxCalculator: QParamCalculator {
  public let spec: QuantizationSpec
  public private(set) var range: GroupRange?

  public init(spec: QuantizationSpec) { self.spec = spec }

  public mutating func observe(_ x: Tensor) throws(QuantizationError) {
    let batch = try batchRange(x, spec)
    range = try range.map { r throws(QuantizationError) in try r.union(batch) } ?? batch
  }

  public mutating func merge(_ other: any QParamCalculator) throws(QuantizationError) {
    let other = try sameKind(other)
    guard let theirs = other.range else { return }
    range = try range.map { r throws(QuantizationError) in try r.union(theirs) } ?? theirs
  }
}
