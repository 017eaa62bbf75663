import Dispatch
import Foundation

/// Splits `0..<count` into contiguous chunks of at least `grain` items and runs `body` on each, using
/// every core when there is enough work. Chunk boundaries depend only on `count` and `grain`, so a body
/// that writes disjoint outputs gives the same result on any machine.
func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
  let workers = Parallelism.workers
  let chunks = Swift.min(workers * 4, Swift.max(1, count / Swift.max(grain, 1)))
  if chunks <= 1 || workers <= 1 {
    if count > 0 { body(0..<count) }
    return
  }
  let size = (count + chunks - 1) / chunks
  withoutActuallyEscaping(body) { body in
    let box = UncheckedSendable(body)
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
      let start = chunk * size
      let end = Swift.min(count, start + size)
      if start < end { box.value(start..<end) }
    }
  }
}

/// Carries a kernel body into `concurrentPerform`.
///
/// `@unchecked Sendable`: the bodies write disjoint ranges of buffers that outlive the call, and
/// `concurrentPerform` returns only after every iteration finished.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// How many threads the kernels may use.
public enum Parallelism {
  /// Active processor count; read once.
  public static let workers: Int = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

  /// Elementwise work below this many elements runs on the calling thread.
  public static let elementwiseGrain = 1 << 15
}
