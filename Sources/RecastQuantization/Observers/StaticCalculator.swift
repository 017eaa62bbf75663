public import RecastTensor

/// `static`: the range of the latest batch only, `range ← minmax(batch)`.
///
/// Merging two static observers takes the union of their latest ranges (the shards are treated as one batch).
public struct StaticCalculator: QParamCalculator {
  public let spec: QuantizationSpec
  public private(set) var range: GroupRange?

  public init(spec: QuantizationSpec) { self.spec = spec }

  public mutating func observe(_ x: Tensor) throws(QuantizationError) { range = try batchRange(x, spec) }

  public mutating func merge(_ other: any QParamCalculator) throws(QuantizationError) {
    let other = try sameKind(other)
    guard let theirs = other.range else { return }
    range = try range.map { r throws(QuantizationError) in try r.union(theirs) } ?? theirs
  }
}
