import Foundation

/// A histogram with power-of-two bin widths on a grid anchored at 0, so that re-binning and merging are exact.
///
/// Bin `i` (absolute index) covers `[i·w, (i+1)·w)` with `w = 2^exponent`. The exponent is the smallest one that
/// (a) keeps the data's span within `binLimit` bins and (b) is at least `⌊log2 max|x|⌋ − 40` (so indices fit in
/// an `Int` exactly). Both conditions only grow with more data, so the exponent — and every count — depends only
/// on the set of values seen, not on how they were batched: observing shards and merging equals observing
/// everything at once. Growing the range coarsens by merging aligned pairs of bins. Non-finite values are skipped.
public struct Histogram: Sendable, Hashable {
  /// Default number of bins (an upper bound; the histogram spans only the data).
  public static let defaultBinLimit = 2048

  public let binLimit: Int
  /// `log2` of the bin width.
  public private(set) var exponent = -160
  /// Absolute index of `counts[0]`.
  public private(set) var origin = 0
  public private(set) var counts: [UInt64] = []
  public private(set) var min: Float = .infinity
  public private(set) var max: Float = -.infinity
  public private(set) var total: UInt64 = 0

  public init(binLimit: Int = Histogram.defaultBinLimit) {
    precondition(binLimit >= 2, "a histogram needs at least 2 bins")
    self.binLimit = binLimit
  }

  /// Bin width `2^exponent`.
  public var binWidth: Double { Double(sign: .plus, exponent: exponent, significand: 1) }

  static func index(_ x: Float, _ exponent: Int) -> Int {
    Int((Double(x) * Double(sign: .plus, exponent: -exponent, significand: 1)).rounded(.down))
  }

  /// The smallest exponent `≥ start` satisfying both conditions for the range `[lo, hi]`.
  func neededExponent(from start: Int, lo: Float, hi: Float) -> Int {
    let maxAbs = Swift.max(Swift.abs(lo), Swift.abs(hi))
    let floor = maxAbs > 0 ? Int(maxAbs.exponent) - 40 : -160
    var k = Swift.max(start, floor, -160)
    while Histogram.index(hi, k) - Histogram.index(lo, k) + 1 > binLimit { k += 1 }
    return k
  }

  /// Re-bins to `newExponent` and re-spans to `[lo, hi]` (which must contain the current data).
  mutating func reshape(exponent newExponent: Int, lo: Float, hi: Float) {
    let shift = newExponent - exponent
    let newOrigin = Histogram.index(lo, newExponent)
    var newCounts = [UInt64](repeating: 0, count: Histogram.index(hi, newExponent) - newOrigin + 1)
    for (j, n) in counts.enumerated() where n > 0 {
      newCounts[((origin + j) >> shift) - newOrigin] += n
    }
    (exponent, origin, counts, min, max) = (newExponent, newOrigin, newCounts, lo, hi)
  }

  /// Adds values (NaN and infinities skipped).
  public mutating func add(_ values: UnsafeBufferPointer<Float>) {
    var lo = Float.infinity
    var hi = -Float.infinity
    for v in values where v.isFinite {
      lo = v < lo ? v : lo
      hi = v > hi ? v : hi
    }
    guard lo <= hi else { return }
    let (newLo, newHi) = (Swift.min(lo, min), Swift.max(hi, max))
    let k = neededExponent(from: total == 0 ? -160 : exponent, lo: newLo, hi: newHi)
    reshape(exponent: k, lo: newLo, hi: newHi)
    let scale = Double(sign: .plus, exponent: -k, significand: 1)
    counts.withUnsafeMutableBufferPointer { c in
      for v in values where v.isFinite {
        c[Int((Double(v) * scale).rounded(.down)) - origin] += 1
        total += 1
      }
    }
  }

  /// Folds in another histogram (exact; see the type's documentation).
  public mutating func merge(_ other: Histogram) {
    guard other.total > 0 else { return }
    guard total > 0 else {
      self = other
      return
    }
    let (newLo, newHi) = (Swift.min(other.min, min), Swift.max(other.max, max))
    let k = neededExponent(from: Swift.max(exponent, other.exponent), lo: newLo, hi: newHi)
    reshape(exponent: k, lo: newLo, hi: newHi)
    var theirs = other
    theirs.reshape(exponent: k, lo: newLo, hi: newHi)
    for j in counts.indices { counts[j] += theirs.counts[j] }
    total += theirs.total
  }

  /// Lower edge and count of every bin, for error searches: `(edge, width, count)`.
  public var bins: [(lower: Double, count: UInt64)] {
    counts.enumerated().map { (Double(origin + $0.offset) * binWidth, $0.element) }
  }

  /// The value below which a fraction `q ∈ [0, 1]` of the samples lie, interpolating linearly inside a bin and
  /// clamped to the observed `[min, max]`.
  public func quantile(_ q: Double) -> Float {
    guard total > 0 else { return 0 }
    let target = Swift.min(Swift.max(q, 0), 1) * Double(total)
    var seen = 0.0
    for (j, n) in counts.enumerated() where n > 0 {
      if seen + Double(n) >= target {
        let value = (Double(origin + j) + (target - seen) / Double(n)) * binWidth
        return Swift.min(max, Swift.max(min, Float(value)))
      }
      seen += Double(n)
    }
    return max
  }

  /// The quantile of `|x|`: bins are folded around 0 (bin `i < 0` holds `|x| ∈ (−(i+1)·w, −i·w]`).
  public func absoluteQuantile(_ q: Double) -> Float {
    guard total > 0 else { return 0 }
    var folded = [UInt64](repeating: 0, count: Swift.max(Swift.abs(origin), Swift.abs(origin + counts.count)) + 1)
    for (j, n) in counts.enumerated() {
      let i = origin + j
      folded[i >= 0 ? i : -i - 1] += n
    }
    let target = Swift.min(Swift.max(q, 0), 1) * Double(total)
    let maxAbs = Swift.max(Swift.abs(min), Swift.abs(max))
    var seen = 0.0
    for (j, n) in folded.enumerated() where n > 0 {
      if seen + Double(n) >= target {
        return Swift.min(maxAbs, Float((Double(j) + (target - seen) / Double(n)) * binWidth))
      }
      seen += Double(n)
    }
    return maxAbs
  }
}
