/// How to walk operands broadcast to a common output shape: the output is a sequence of `runs` of
/// `runLength` contiguous elements; within a run each operand advances by `innerStrides[k]` (1 or 0, or
/// any stride when the operand is broadcast in a non-trailing way), and run `r` starts at the offsets
/// `runOffset(r, k)`. Adjacent axes that every operand walks contiguously are merged first, so
/// same-shape, scalar, row (`[N, C] + [C]`) and channel (`[N, C, H, W] + [1, C, 1, 1]`) broadcasts all
/// become long runs.
struct BroadcastPlan {
  let outputShape: [Int]
  let outputCount: Int
  let runLength: Int
  let runs: Int
  /// Per operand, the element stride inside a run.
  let innerStrides: [Int]
  /// Merged outer dimensions (outermost first) and, per operand, their strides.
  let outerShape: [Int]
  let outerStrides: [[Int]]

  init(shapes: [[Int]]) throws(TensorError) {
    let output = try Shape.broadcast(shapes)
    outputShape = output
    outputCount = output.reduce(1, *)
    let strides = shapes.map { Shape.broadcastStrides($0, to: output) }
    // Drop size-1 axes, then merge axis i into i+1 when every operand is contiguous across them.
    var dims: [Int] = []
    var merged: [[Int]] = Array(repeating: [], count: shapes.count)
    for axis in 0..<output.count where output[axis] != 1 {
      if let last = dims.last,
        (0..<shapes.count).allSatisfy({ merged[$0].last! == strides[$0][axis] * output[axis] })
      {
        dims[dims.count - 1] = last * output[axis]
        for k in 0..<shapes.count { merged[k][merged[k].count - 1] = strides[k][axis] }
      } else {
        dims.append(output[axis])
        for k in 0..<shapes.count { merged[k].append(strides[k][axis]) }
      }
    }
    if dims.isEmpty {
      runLength = outputCount == 0 ? 0 : 1
      runs = outputCount == 0 ? 0 : 1
      innerStrides = Array(repeating: 0, count: shapes.count)
      outerShape = []
      outerStrides = Array(repeating: [], count: shapes.count)
      return
    }
    runLength = dims.last!
    runs = outputCount / Swift.max(runLength, 1)
    innerStrides = merged.map { $0.last! }
    outerShape = Array(dims.dropLast())
    outerStrides = merged.map { Array($0.dropLast()) }
  }

  /// Offset of run `run` in operand `operand`.
  @inline(__always)
  func runOffset(_ run: Int, _ operand: Int) -> Int {
    var remaining = run
    var offset = 0
    let strides = outerStrides[operand]
    var axis = outerShape.count - 1
    while axis >= 0 {
      let dim = outerShape[axis]
      offset += (remaining % dim) * strides[axis]
      remaining /= dim
      axis -= 1
    }
    return offset
  }

  /// Calls `body(runRange, elementRange)` over the output in parallel chunks: either ranges of whole runs
  /// (with `elementRange` the full run) or, for a single long run, ranges of its elements.
  func forEachChunk(_ body: (Range<Int>, Range<Int>) -> Void) {
    guard outputCount > 0 else { return }
    if runs == 1 {
      parallelFor(runLength, grain: Parallelism.elementwiseGrain) { elements in body(0..<1, elements) }
    } else {
      let grain = Swift.max(1, Parallelism.elementwiseGrain / Swift.max(runLength, 1))
      parallelFor(runs, grain: grain) { runRange in body(runRange, 0..<runLength) }
    }
  }
}
