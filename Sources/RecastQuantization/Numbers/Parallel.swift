import Dispatch
import Foundation
import RecastTensor

/// Threading for the quantization kernels.
enum QuantParallel {
  /// The processors the tensor kernels use (the CPU affinity, else the active processor count).
  static let workers = Parallelism.workers

  /// Elements below which a kernel runs on the calling thread.
  static let grain = 1 << 16

  /// Splits `0..<count` into contiguous chunks whose boundaries are multiples of `unit` (except the last end)
  /// and runs `body` on each, concurrently when there is enough work. Chunking depends only on `count`, `unit`
  /// and the worker count; bodies must write disjoint outputs.
  static func chunks(_ count: Int, unit: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let unit = max(1, unit)
    let units = (count + unit - 1) / unit
    let pieces = min(workers * 4, units, max(1, count / grain))
    if pieces <= 1 || workers <= 1 {
      body(0..<count)
      return
    }
    let perPiece = (units + pieces - 1) / pieces * unit
    withoutActuallyEscaping(body) { body in
      let box = SendableBox(body)
      DispatchQueue.concurrentPerform(iterations: pieces) { piece in
        let start = piece * perPiece
        let end = min(count, start + perPiece)
        if start < end { box.value(start..<end) }
      }
    }
  }

  /// Number of pieces `chunks` would use (for per-piece partial results).
  static func pieceCount(_ count: Int, unit: Int = 1) -> Int {
    guard count > 0 else { return 0 }
    let units = (count + max(1, unit) - 1) / max(1, unit)
    return workers <= 1 ? 1 : max(1, min(workers * 4, units, max(1, count / grain)))
  }
}

/// Carries a kernel body into `concurrentPerform`.
///
/// `@unchecked Sendable`: bodies write disjoint ranges of buffers that outlive the call, and `concurrentPerform`
/// returns only after every iteration finished.
struct SendableBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
