import Dispatch
import Synchronization
import Testing

@testable import RecastTensor

/// `parallelFor` runs every index exactly once, whether the worker pool takes the loop, another loop holds the
/// pool (concurrent callers) or the loop is nested in a chunk of another.
@Suite struct ParallelTests {
  /// Counts how often each index ran.
  final class Tally: Sendable {
    let counts: Mutex<[Int]>
    init(_ n: Int) { counts = Mutex([Int](repeating: 0, count: n)) }
    func hit(_ range: Range<Int>) { counts.withLock { for i in range { $0[i] += 1 } } }
    var allOnce: Bool { counts.withLock { $0.allSatisfy { $0 == 1 } } }
    var untouched: Bool { counts.withLock { $0.allSatisfy { $0 == 0 } } }
  }

  @Test(arguments: [(1, 1), (7, 1), (1000, 10), (100_000, 1 << 12), (12_345, 1)])
  func everyIndexOnce(_ count: Int, _ grain: Int) {
    for _ in 0..<50 {
      let tally = Tally(count)
      parallelFor(count, grain: grain) { tally.hit($0) }
      #expect(tally.allOnce, "count \(count) grain \(grain)")
    }
  }

  @Test func concurrentCallersAndNestedLoops() {
    let (outer, inner) = (16, 64)
    let tallies = (0..<4).map { _ in Tally(outer * inner) }
    let box = UncheckedSendable(tallies)
    DispatchQueue.concurrentPerform(iterations: 4) { caller in
      for _ in 0..<20 {
        let tally = Tally(outer * inner)
        parallelFor(outer, grain: 1) { rows in
          for row in rows {
            parallelFor(inner, grain: 1) { tally.hit((row * inner + $0.lowerBound)..<(row * inner + $0.upperBound)) }
          }
        }
        if !tally.allOnce { box.value[caller].hit(0..<1) }
      }
    }
    // A caller's tally is touched only when one of its runs missed or repeated an index.
    #expect(tallies.allSatisfy { $0.untouched })
  }
}
