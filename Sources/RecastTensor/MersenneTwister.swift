/// MT19937, the 32-bit Mersenne Twister (Matsumoto and Nishimura, 1998), seeded as PyTorch seeds its CPU
/// generator: `torch.Generator().manual_seed(seed)` keeps the low 32 bits of the seed and runs the reference
/// initialisation (`init_genrand`). Recast draws its data shuffles from it so that a seeded run sees its samples in
/// the same order as the PyTorch training loop it is compared with.
public struct MersenneTwister: RandomNumberGenerator, Sendable {
  private static let size = 624
  private var state: [UInt32]
  private var index: Int

  public init(seed: UInt64) {
    state = [UInt32](repeating: 0, count: Self.size)
    state[0] = UInt32(truncatingIfNeeded: seed)
    for j in 1..<Self.size {
      let previous = state[j - 1]
      state[j] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(j)
    }
    index = Self.size
  }

  /// The next 32-bit output (PyTorch's `random()`).
  public mutating func next32() -> UInt32 {
    if index == Self.size { twist() }
    var y = state[index]
    index += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C_5680
    y ^= (y << 15) & 0xEFC6_0000
    return y ^ (y >> 18)
  }

  /// Two 32-bit outputs, the first in the high half (PyTorch's `random64()`).
  public mutating func next() -> UInt64 {
    let high = UInt64(next32())
    return high << 32 | UInt64(next32())
  }

  /// Skips `count` 32-bit outputs, one block of 624 at a time where it can.
  public mutating func discard(_ count: Int) {
    var remaining = count
    while remaining > 0 {
      if index == Self.size { twist() }
      let step = Swift.min(remaining, Self.size - index)
      index += step
      remaining -= step
    }
  }

  private mutating func twist() {
    state.withUnsafeMutableBufferPointer { mt in
      let n = Self.size
      for k in 0..<n {
        let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % n] & 0x7FFF_FFFF)
        mt[k] = mt[(k + 397) % n] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_B0DF)
      }
    }
    index = 0
  }
}

extension MersenneTwister {
  /// Below this many elements `torch.randperm` shuffles with 32-bit draws, at and above it with 64-bit ones.
  static let wideDrawThreshold = Int(UInt32.max / 20)

  /// The number of 32-bit outputs one `permutation(count:)` consumes.
  static func draws(forPermutationOf count: Int) -> Int {
    count < wideDrawThreshold ? Swift.max(0, count - 1) : 2 * count
  }

  /// `0..<count` in the order `torch.randperm(count, generator: g)` gives for a CPU generator in this state, and
  /// the generator advanced as PyTorch advances it.
  public mutating func permutation(count: Int) -> [Int] {
    guard count > 0 else { return [] }
    if count < Self.wideDrawThreshold {
      var order = Array(0..<count)
      for i in 0..<(count - 1) {
        order.swapAt(i, i + Int(next32() % UInt32(count - i)))
      }
      return order
    }
    var order = [Int](repeating: 0, count: count)
    for i in 0..<count {
      let z = Int(next() % UInt64(i + 1))
      order[i] = order[z]
      order[z] = i
    }
    return order
  }

  /// The sample order of epoch `epoch` (from 0) when every epoch reshuffles `0..<count`: the `epoch + 1`-th
  /// `torch.randperm(count, generator=g)` on one `g = torch.Generator().manual_seed(seed)`. (A PyTorch
  /// `DataLoader` with that generator draws a 64-bit worker seed from it before each epoch's permutation, so its
  /// order differs.) Recipe data sets and QAT data sources both use it, so a recipe's `train` stage sees the
  /// batches its `data` section describes.
  public static func epochOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    var generator = MersenneTwister(seed: seed)
    generator.discard(Swift.max(0, epoch) * draws(forPermutationOf: count))
    return generator.permutation(count: count)
  }
}
