// Weight-only quantization throughput: GB/s of fp32 weights turned into int8 per-channel and int4
// per-block-32 codes, scales and zero points (`FakeQuant.quantize(_:spec:)`: qparams from each group's range and
// the codes in one pass), next to memcpy bandwidth on the same buffers, in one process. The two separate passes
// (`QParams.compute(for:spec:)`, then `FakeQuant.quantize(_:qparams:)`) are timed too.
//
// The machines are shared and noisy, so every measurement is taken once per round, rounds interleave all of them
// (a burst of load hits each alike), and each reports its best round. memcpy runs on one thread and on as many
// threads as the quantization kernels use (same split); the ratios use the faster of the two. CPU seconds per
// round (user + system, all threads) are printed too: GB per CPU-second does not depend on how much of the machine
// the process got. Release build only: `swift run -c release quantize-bench [MB]`.
import Dispatch
import Foundation
import RecastQuantization
import RecastTensor

func cpuSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
  return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// One timed workload: its best wall-clock round and the CPU seconds of that round.
final class Measurement {
  let name: String
  let body: () throws -> Void
  var best = Double.infinity
  var cpu = Double.infinity
  init(_ name: String, _ body: @escaping () throws -> Void) {
    self.name = name
    self.body = body
  }
  func round() throws {
    let (c0, t0) = (cpuSeconds(), DispatchTime.now().uptimeNanoseconds)
    try body()
    let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    if wall < best { (best, cpu) = (wall, cpuSeconds() - c0) }
  }
}

func benchmark() throws {
  let megabytes = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 512
  let rows = 4096  // one 16 MB [out, in] weight matrix, as a Linear layer stores it
  let columns = 1024
  let matrices = max(1, megabytes * 1024 * 1024 / (rows * columns * 4))
  let rounds = Int(ProcessInfo.processInfo.environment["REPEATS"] ?? "5") ?? 5
  let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)

  var weights: [Tensor] = []
  for m in 0..<matrices {
    var t = Tensor(zeros: .float32, shape: [rows, columns])
    t.withUnsafeMutableBufferPointer(as: Float.self) { p in
      var state = UInt64(m + 1) &* 0x9E37_79B9_7F4A_7C15
      for i in 0..<p.count {  // cheap deterministic pseudo-random values in [-1, 1)
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        p[i] = Float(Int32(truncatingIfNeeded: state >> 32)) / 2_147_483_648
      }
    }
    weights.append(t)
  }
  let bytes = Double(matrices * rows * columns * 4)

  // memcpy bandwidth: copy every matrix into a preallocated destination, on one thread and split in `threads`
  // contiguous pieces the way the kernels split a tensor.
  let matrixBytes = rows * columns * 4
  let destination = UnsafeMutableRawPointer.allocate(byteCount: matrixBytes, alignment: 64)
  destination.initializeMemory(as: UInt8.self, repeating: 0, count: matrixBytes)
  let target = UInt(bitPattern: destination)
  func copy(_ w: Tensor, pieces: Int) {
    w.withUnsafeBufferPointer(as: Float.self) { p in
      let source = UInt(bitPattern: p.baseAddress!)
      let piece = (matrixBytes + pieces - 1) / pieces
      DispatchQueue.concurrentPerform(iterations: pieces) { k in
        let start = k * piece
        let count = min(matrixBytes, start + piece) - start
        _ = memcpy(
          UnsafeMutableRawPointer(bitPattern: target + UInt(start))!,
          UnsafeRawPointer(bitPattern: source + UInt(start))!,
          count)
      }
    }
  }

  let int8 = QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: 0))
  let int4 = QuantizationSpec(dtype: .int4, granularity: .perBlock(axis: 1, blockSize: 32))
  let qparams8 = try weights.map { w throws(QuantizationError) in try QParams.compute(for: w, spec: int8) }
  let qparams4 = try weights.map { w throws(QuantizationError) in try QParams.compute(for: w, spec: int4) }
  var sink = 0
  let memcpy1 = Measurement("memcpy, 1 thread") {
    for w in weights {
      w.withUnsafeBufferPointer(as: Float.self) { p in _ = memcpy(destination, p.baseAddress!, matrixBytes) }
    }
  }
  let memcpyN = Measurement("memcpy, \(threads) threads") { for w in weights { copy(w, pieces: threads) } }
  func oneCall(_ spec: QuantizationSpec) -> Measurement {
    Measurement(spec.dtype == .int8 ? "int8 per-channel" : "int4 per-block 32") {
      for w in weights { sink &+= try FakeQuant.quantize(w, spec: spec).codes.values.count }
    }
  }
  func scales(_ spec: QuantizationSpec) -> Measurement {
    Measurement("min/max + scales") {
      for w in weights { sink &+= try QParams.compute(for: w, spec: spec).scale.count }
    }
  }
  func codes(_ qparams: [QParams]) -> Measurement {
    Measurement("codes") {
      for (w, q) in zip(weights, qparams) { sink &+= try FakeQuant.quantize(w, qparams: q).values.count }
    }
  }
  let int8Run = oneCall(int8)
  let int4Run = oneCall(int4)
  let passes = [(int8, [scales(int8), codes(qparams8)]), (int4, [scales(int4), codes(qparams4)])]
  let all = [memcpy1, memcpyN, int8Run, int4Run] + passes.flatMap(\.1)
  // ONLY=int4 (a substring of a measurement's name) runs just those, for profiling.
  let only = ProcessInfo.processInfo.environment["ONLY"]
  for _ in 0..<rounds {
    for m in all where only.map({ m.name.contains($0) }) ?? true { try m.round() }
  }

  let copyTime = min(memcpy1.best, memcpyN.best)
  func gbps(_ t: Double) -> String { String(format: "%.2f", bytes / t / 1e9) }
  func line(_ m: Measurement, ratio: Bool = false) -> String {
    let label = m.name.padding(toLength: 28, withPad: " ", startingAt: 0)
    let versus = ratio && copyTime.isFinite ? String(format: "  (%.2f x memcpy)", copyTime / m.best) : ""
    return "\(label)\(gbps(m.best)) GB/s\(versus)  [\(gbps(m.cpu)) GB per CPU-second]"
  }
  print("weights: \(matrices) x [\(rows), \(columns)] float32 = \(Int(bytes) / 1_048_576) MB, best of \(rounds) rounds")
  print(line(memcpy1))
  print(line(memcpyN))
  print(line(int8Run, ratio: true))
  print(line(int4Run, ratio: true))
  for (spec, measurements) in passes {
    let name = spec.dtype == .int8 ? "int8" : "int4"
    print("  \(name) as two passes: " + measurements.map { "\($0.name) \(gbps($0.best)) GB/s" }.joined(separator: ", "))
  }
  if sink == 0 { print("") }
}

try benchmark()
