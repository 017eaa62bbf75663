// Weight-only quantization throughput: GB/s of fp32 weights turned into int8 per-channel and int4
// per-block-32 (qparams from min/max, then quantize), next to memcpy bandwidth on the same buffers,
// in one process. Release build only: `swift run -c release quantize-bench [MB]`.
import Foundation
import RecastQuantization
import RecastTensor

func benchmark() throws {
  let megabytes = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 512
  let rows = 4096, columns = 1024  // one 16 MB [out, in] weight matrix, as a Linear layer stores it
  let matrices = max(1, megabytes * 1024 * 1024 / (rows * columns * 4))
  let repeats = Int(ProcessInfo.processInfo.environment["REPEATS"] ?? "3") ?? 3

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

  func seconds(_ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<repeats {
      let start = DispatchTime.now().uptimeNanoseconds
      try body()
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
  }

  // memcpy bandwidth: copy every matrix into a preallocated destination.
  let destination = UnsafeMutableRawPointer.allocate(byteCount: rows * columns * 4, alignment: 64)
  let copy = seconds {
    for w in weights {
      w.withUnsafeBufferPointer(as: Float.self) { p in
        _ = memcpy(destination, UnsafeRawPointer(p.baseAddress!), p.count * 4)
      }
    }
  }

  let int8 = QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: 0))
  let int4 = QuantizationSpec(dtype: .int4, granularity: .perBlock(axis: 1, blockSize: 32))
  var sink = 0
  func quantizeAll(_ spec: QuantizationSpec) throws -> Double {
    try seconds {
      for w in weights {
        let q = try FakeQuant.quantize(w, qparams: try QParams.compute(for: w, spec: spec))
        sink &+= q.values.count
      }
    }
  }
  // The two passes separately: per-group min/max → scales, then the codes from precomputed parameters.
  func phases(_ spec: QuantizationSpec) throws -> (Double, Double) {
    let qparams = try weights.map { w throws(QuantizationError) in try QParams.compute(for: w, spec: spec) }
    let scales = try seconds { for w in weights { sink &+= try QParams.compute(for: w, spec: spec).scale.count } }
    let codes = try seconds {
      for (w, q) in zip(weights, qparams) { sink &+= try FakeQuant.quantize(w, qparams: q).values.count }
    }
    return (scales, codes)
  }
  let int8Time = try quantizeAll(int8)
  let int4Time = try quantizeAll(int4)
  let int8Phases = try phases(int8)
  let int4Phases = try phases(int4)

  func gbps(_ t: Double) -> String { String(format: "%.2f", bytes / t / 1e9) }
  print("weights: \(matrices) x [\(rows), \(columns)] float32 = \(Int(bytes) / 1_048_576) MB, best of \(repeats)")
  print("memcpy                      \(gbps(copy)) GB/s")
  print("int8 per-channel            \(gbps(int8Time)) GB/s  (\(String(format: "%.2f", copy / int8Time)) x memcpy)")
  print("int4 per-block 32           \(gbps(int4Time)) GB/s  (\(String(format: "%.2f", copy / int4Time)) x memcpy)")
  for (name, (scales, codes)) in [("int8", int8Phases), ("int4", int4Phases)] {
    print("  \(name) passes: min/max + scales \(gbps(scales)) GB/s, codes \(gbps(codes)) GB/s")
  }
  if sink == 0 { print("") }
}

try benchmark()
