public import RecastTensor

/// `moving_average`: an exponential moving average of per-batch ranges. The first batch seeds the state; after it
/// `min ← min + c·(batch_min − min)` and likewise for `max`, with `c = 0.01` (coreai-opt's constant).
///
/// An EMA depends on batch order, so merging is not exact: `merge` averages the two states weighted by their
/// batch counts, `(n₁·r₁ + n₂·r₂) / (n₁ + n₂)`, which is exact only when the shards' states agree.
public struct MovingAverageCalculator: QParamCalculator {
  /// The averaging constant `c`.
  public static let defaultConstant: Float = 0.01

  public let spec: QuantizationSpec
  public let constant: Float
  public private(set) var range: GroupRange?
  /// Batches observed (merged counts included).
  public private(set) var batches = 0

  public init(spec: QuantizationSpec, constant: Float = MovingAverageCalculator.defaultConstant) {
    self.spec = spec
    self.constant = constant
  }

  public mutating func observe(_ x: Tensor) throws(QuantizationError) {
    let batch = try batchRange(x, spec)
    batches += 1
    guard var r = range else {
      range = batch
      return
    }
    guard r.scaleShape == batch.scaleShape else {
      throw QuantizationError("batch scale shape \(batch.scaleShape) differs from the observed \(r.scaleShape)")
    }
    let c = constant
    for g in r.min.indices {
      r.min[g] += c * (batch.min[g] - r.min[g])
      r.max[g] += c * (batch.max[g] - r.max[g])
    }
    range = r
  }

  public mutating func merge(_ other: any QParamCalculator) throws(QuantizationError) {
    let other = try sameKind(other)
    guard let theirs = other.range else { return }
    guard var mine = range else {
      (range, batches) = (theirs, other.batches)
      return
    }
    guard mine.scaleShape == theirs.scaleShape else {
      throw QuantizationError("cannot merge ranges of scale shapes \(mine.scaleShape) and \(theirs.scaleShape)")
    }
    let (a, b) = (Float(batches), Float(other.batches))
    for g in mine.min.indices {
      mine.min[g] = (a * mine.min[g] + b * theirs.min[g]) / (a + b)
      mine.max[g] = (a * mine.max[g] + b * theirs.max[g]) / (a + b)
    }
    range = mine
    batches += other.batches
  }
}
