import Dispatch
import Foundation

/// Splits `0..<count` into contiguous chunks of at least `grain` items and runs `body` on each, using
/// every core when there is enough work. Chunk boundaries depend only on `count` and `grain`, so a body
/// that writes disjoint outputs gives the same result on any machine.
public func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
  let workers = Parallelism.activeWorkers
  let chunks = Swift.min(workers * 4, Swift.max(1, count / Swift.max(grain, 1)))
  if chunks <= 1 || workers <= 1 {
    if count > 0 { body(0..<count) }
    return
  }
  if #available(macOS 15, *), let pool = WorkerPool.shared, pool.run(count, chunks: chunks, body) { return }
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
  /// The processors this process may run on: its CPU affinity where the system reports one (so `taskset -c 0`
  /// means one worker), else the active processor count; read once.
  public static let workers: Int = {
    let active = ProcessInfo.processInfo.activeProcessorCount
    return Swift.max(1, Swift.min(active, allowedProcessors() ?? active))
  }()

  /// How many CPUs the affinity mask allows (`Cpus_allowed` in `/proc/self/status`), or `nil` where there is no
  /// such file.
  static func allowedProcessors() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
    else { return nil }
    let count = line.dropFirst("Cpus_allowed:".count).reduce(0) { $0 + ($1.hexDigitValue ?? 0).nonzeroBitCount }
    return count > 0 ? count : nil
  }

  /// A cap on the threads the kernels use inside `withWorkerLimit`, for the task that set it.
  @TaskLocal static var limit: Int?

  /// The threads kernels called from here may use: `workers`, or fewer inside `withWorkerLimit`.
  static var activeWorkers: Int { Swift.min(workers, Swift.max(1, limit ?? workers)) }

  /// Runs `body` with the kernels it calls (on this task) using at most `count` threads; `1` runs every kernel on
  /// the calling thread, as a process pinned to one CPU does. Kernel results do not depend on the thread count, so
  /// this only changes speed; tests use it to check exactly that.
  public static func withWorkerLimit<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
    try $limit.withValue(count, operation: body)
  }

  /// Elementwise work below this many elements runs on the calling thread.
  public static let elementwiseGrain = 1 << 15
}
