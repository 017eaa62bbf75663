public import RecastTensor

/// An observer that watches float32 tensors and turns what it saw into quantization parameters.
///
/// Calculators are values: `observe` updates the state from one batch, `merge` folds in the state of another
/// calculator of the same type and spec (so calibration can be split across workers and combined), `range` is
/// the current per-group min/max (in scale order) and `computeQParams` applies `QParams.compute` to the range
/// the calculator settles on. The spec's granularity must have its axis resolved.
public protocol QParamCalculator: Sendable {
  /// The spec the parameters are computed for.
  var spec: QuantizationSpec { get }
  /// Current per-group range, `nil` before the first batch.
  var range: GroupRange? { get }
  /// Updates the state from one batch.
  mutating func observe(_ x: Tensor) throws(QuantizationError)
  /// Folds in another calculator's state (same type and spec).
  mutating func merge(_ other: any QParamCalculator) throws(QuantizationError)
  /// Parameters for the current state.
  func computeQParams() throws(QuantizationError) -> QParams
}

extension QParamCalculator {
  /// `QParams.compute` on `range`.
  public func computeQParams() throws(QuantizationError) -> QParams {
    guard let range else { throw QuantizationError("no data observed: cannot compute quantization parameters") }
    return try QParams.compute(min: range.min, max: range.max, spec: spec, scaleShape: range.scaleShape)
  }

  /// `other` as `Self`, or an error naming both types.
  func sameKind(_ other: any QParamCalculator) throws(QuantizationError) -> Self {
    guard let same = other as? Self else {
      throw QuantizationError("cannot merge a \(type(of: other)) into a \(Self.self)")
    }
    guard same.spec.granularity == spec.granularity else {
      throw QuantizationError("cannot merge observers of different granularities")
    }
    return same
  }
}

/// A batch's per-group range for `spec` (the `minmax` range calculator).
func batchRange(_ x: Tensor, _ spec: QuantizationSpec) throws(QuantizationError) -> GroupRange {
  guard spec.rangeCalculator == "minmax" else {
    throw QuantizationError("unknown range calculator '\(spec.rangeCalculator)'", help: "only 'minmax' is built in")
  }
  return try GroupRange(of: x, granularity: spec.granularity)
}
