import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Threads that run `parallelFor` chunks next to the calling thread, `Parallelism.workers − 1` of them.
///
/// Between jobs a worker keeps polling for `spinTime` before it sleeps, as onnxruntime's intra-op pool does: a
/// forward pass is a run of short parallel loops with a little serial work between them, and waking a sleeping
/// thread for each (what `DispatchQueue.concurrentPerform` does) costs tens of microseconds on a virtual machine,
/// as much as a small convolution's share of work. One job runs at a time; a `parallelFor` issued while the pool
/// is busy (from another thread, or nested in a chunk) runs on its calling thread.
@available(macOS 15, *)
final class WorkerPool: Sendable {
  /// One `parallelFor`: chunks are claimed through `next` and counted down in `pending`.
  ///
  /// `@unchecked Sendable`: `body` is set before the job is published and cleared only after `pending` reached
  /// zero, that is after every claimed chunk ran; workers read it only for a chunk they claimed.
  final class Job: @unchecked Sendable {
    var body: ((Range<Int>) -> Void)?
    let count: Int
    let size: Int
    let chunks: Int
    let next = Atomic<Int>(0)
    let pending: Atomic<Int>

    init(count: Int, chunks: Int, body: @escaping (Range<Int>) -> Void) {
      self.body = body
      self.count = count
      self.chunks = chunks
      size = (count + chunks - 1) / chunks
      pending = Atomic(chunks)
    }

    /// Runs chunks until none is left to claim.
    func work() {
      while true {
        let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
        if chunk >= chunks { return }
        let start = chunk * size
        let end = Swift.min(count, start + size)
        if start < end, let body { body(start..<end) }
        pending.wrappingSubtract(1, ordering: .releasing)
      }
    }
  }

  /// The process-wide pool; `nil` with a single worker.
  static let shared: WorkerPool? = Parallelism.workers > 1 ? WorkerPool(threads: Parallelism.workers - 1) : nil

  /// How long an idle worker polls for the next job before it sleeps.
  static let spinTime: UInt64 = 200_000

  private let busy = Atomic<Bool>(false)
  private let generation = Atomic<Int>(0)
  private let sleepers = Atomic<Int>(0)
  private let current = Mutex<Job?>(nil)
  private let wake = DispatchSemaphore(value: 0)

  private init(threads: Int) {
    for _ in 0..<threads {
      let thread = Thread { [self] in loop() }
      thread.name = "recast-worker"
      thread.start()
    }
  }

  /// Runs `body` over `chunks` equal chunks of `0..<count` on the pool and the calling thread; returns `false`
  /// without running anything when the pool is busy.
  func run(_ count: Int, chunks: Int, _ body: (Range<Int>) -> Void) -> Bool {
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
    withoutActuallyEscaping(body) { body in
      let job = Job(count: count, chunks: chunks, body: body)
      current.withLock { $0 = job }
      generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
      for _ in 0..<sleepers.exchange(0, ordering: .sequentiallyConsistent) { wake.signal() }
      job.work()
      // The last chunks are in other workers' hands: poll (they take microseconds, not a time slice).
      var polls = 0
      while job.pending.load(ordering: .acquiring) > 0 {
        polls += 1
        if polls % 4096 == 0 { sched_yield() }
      }
      job.body = nil
      current.withLock { $0 = nil }
    }
    busy.store(false, ordering: .releasing)
    return true
  }

  /// A worker: wait for a new generation (polling, then sleeping), then help with its job.
  private func loop() {
    var seen = 0
    while true {
      var latest = generation.load(ordering: .acquiring)
      var idleSince = DispatchTime.now().uptimeNanoseconds
      var polls = 0
      while latest == seen {
        polls += 1
        if polls % 1024 == 0 {
          if DispatchTime.now().uptimeNanoseconds - idleSince > WorkerPool.spinTime {
            // A job published after the count went up signals the semaphore; one published before is seen by the
            // check. A signal meant for an earlier count (when the check saw the job first) only makes a wait
            // return early, and the loop waits again.
            sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
            while generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
            idleSince = DispatchTime.now().uptimeNanoseconds
          }
        }
        latest = generation.load(ordering: .acquiring)
      }
      seen = latest
      current.withLock { $0 }?.work()
    }
  }
}
