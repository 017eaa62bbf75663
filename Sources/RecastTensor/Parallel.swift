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
  /// Active processor count, or fewer when the process is restricted to some CPUs (`taskset`, cpusets); read once.
  public static let workers: Int = {
    let active = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    #if os(Linux)
      // activeProcessorCount ignores the affinity mask: a process pinned to one CPU (taskset) would still split
      // its loops for every core of the machine. Glibc's Swift module does not export sched_getaffinity, so the
      // mask is read from /proc ("Cpus_allowed:\tff,ffffffff").
      if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
      {
        let allowed = line.dropFirst("Cpus_allowed:".count).reduce(0) { count, character in
          count + (character.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        if allowed > 0 { return Swift.min(active, allowed) }
      }
    #endif
    return active
  }()

  /// Elementwise work below this many elements runs on the calling thread.
  public static let elementwiseGrain = 1 << 15
}
