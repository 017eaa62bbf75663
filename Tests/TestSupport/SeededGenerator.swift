public import RecastTensor

/// The seeded generator tests use (SplitMix64), so a failure replays from the seed it prints.
public typealias SeededGenerator = SplitMix64
