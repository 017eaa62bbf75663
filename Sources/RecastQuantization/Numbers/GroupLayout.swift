/// Which scale group every element of a tensor belongs to, for one granularity.
///
/// The tensor is viewed as `[outer, dim, inner]` around the axis. Elements are walked in *runs*: contiguous
/// stretches of `runLength` elements whose group index is `groupBase(run) + i · groupStride` (stride 0: the whole
/// run shares a group; stride 1: consecutive elements have consecutive groups). Group order is the row-major
/// order of the scale tensor, so `groups[g]` is `scale.flat[g]` in ONNX layout.
struct GroupLayout: Sendable, Hashable {
  enum Kind: Sendable, Hashable { case tensor, channel, block }

  let kind: Kind
  let shape: [Int]
  /// Normalised axis (0 for per-tensor).
  let axis: Int
  let outer: Int
  let dim: Int
  let inner: Int
  let blockSize: Int
  let count: Int
  let groupCount: Int
  /// The scale tensor's shape: `[]`, `[dim]`, or `shape` with `dim / blockSize` at `axis`.
  let scaleShape: [Int]
  let runLength: Int
  let groupStride: Int

  /// Lays out `shape` for `granularity`, whose axis must be resolved. Negative axes count from the end.
  init(shape: [Int], granularity: Granularity) throws(QuantizationError) {
    self.shape = shape
    count = shape.reduce(1, *)
    switch granularity {
    case .perTensor:
      kind = .tensor
      axis = 0
      (outer, dim, inner, blockSize) = (1, 1, max(count, 1), 1)
      groupCount = 1
      scaleShape = []
      runLength = max(count, 1)
      groupStride = 0
      return
    case .perChannel(let a), .perBlock(let a, _):
      guard let a else {
        throw QuantizationError("\(granularity.typeName) quantization of shape \(shape) needs an axis")
      }
      guard a >= -shape.count && a < shape.count else {
        throw QuantizationError("axis \(a) is out of range for shape \(shape) (rank \(shape.count))")
      }
      axis = a < 0 ? a + shape.count : a
    }
    dim = shape[axis]
    outer = shape[..<axis].reduce(1, *)
    inner = shape[(axis + 1)...].reduce(1, *)
    if case .perBlock(_, let size) = granularity {
      guard size > 0 else { throw QuantizationError("block size must be positive, found \(size)") }
      guard dim % size == 0 else {
        throw QuantizationError(
          "block size \(size) does not divide dimension \(dim) (axis \(axis) of shape \(shape))")
      }
      kind = .block
      blockSize = size
      var s = shape
      s[axis] = dim / size
      scaleShape = s
      groupCount = s.reduce(1, *)
      (runLength, groupStride) = inner == 1 ? (size, 0) : (inner, 1)
    } else {
      kind = .channel
      blockSize = 1
      scaleShape = [dim]
      groupCount = dim
      (runLength, groupStride) = inner == 1 ? (max(dim, 1), 1) : (inner, 0)
    }
  }

  /// Blocks along the axis.
  var blocks: Int { dim / blockSize }

  /// Group of the first element of run `run`.
  @inline(__always)
  func groupBase(_ run: Int) -> Int {
    switch kind {
    case .tensor: return 0
    case .channel: return inner == 1 ? 0 : run % dim
    case .block:
      if inner == 1 { return run }
      return ((run / dim) * blocks + (run % dim) / blockSize) * inner
    }
  }

  /// Group of element `i` (slow path, for tests and scalar helpers).
  func group(ofElement i: Int) -> Int {
    let run = i / runLength
    return groupBase(run) + (i - run * runLength) * groupStride
  }

  /// Elements per unit of work that owns its groups exclusively (`nil` when groups are shared across the
  /// tensor: per-tensor, and per-channel with dimensions before the axis). Chunking on multiples of it lets
  /// threads write per-group results without partial copies.
  var ownershipUnit: Int? {
    switch kind {
    case .tensor: return nil
    case .channel: return outer == 1 ? inner : nil
    case .block: return blockSize * inner
    }
  }

  /// Calls `body(start, end, group, stride)` for each run (or part of a run) inside `range`: elements
  /// `start..<end` use groups `group + (i − start) · stride`.
  @inline(__always)
  func forEachRun(in range: Range<Int>, _ body: (Int, Int, Int, Int) -> Void) {
    var i = range.lowerBound
    var run = i / runLength
    while i < range.upperBound {
      let runStart = run * runLength
      let end = min(range.upperBound, runStart + runLength)
      body(i, end, groupBase(run) + (i - runStart) * groupStride, groupStride)
      i = end
      run += 1
    }
  }
}
