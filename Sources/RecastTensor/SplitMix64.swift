/// A small, fast, seedable generator (SplitMix64): data shuffles, random initialisation and test inputs are the
/// same on every machine for the same seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension SplitMix64 {
  /// The sample order of one epoch: `0..<count` shuffled by Fisher–Yates with a generator seeded from `seed` and
  /// `epoch` (the same seed and epoch give the same order). Recipe data sets and QAT data sources both use it, so
  /// a recipe's `train` stage sees the batches its `data` section describes.
  public static func epochOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    var order = Array(0..<count)
    var rng = SplitMix64(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
    for i in stride(from: order.count - 1, to: 0, by: -1) {
      order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
    }
    return order
  }
}
