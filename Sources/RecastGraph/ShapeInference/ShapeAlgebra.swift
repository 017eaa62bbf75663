/// Shape arithmetic with symbolic dimensions: broadcasting, products, and the rules shared by several ops.
enum ShapeAlgebra {
  /// Multidirectional (numpy) broadcasting of two shapes; `nil` if they cannot broadcast.
  static func broadcast(_ a: [Dimension], _ b: [Dimension]) -> [Dimension]? {
    let rank = max(a.count, b.count)
    var result: [Dimension] = []
    for i in 0..<rank {
      let x = i < rank - a.count ? Dimension.fixed(1) : a[i - (rank - a.count)]
      let y = i < rank - b.count ? Dimension.fixed(1) : b[i - (rank - b.count)]
      switch (x, y) {
      case (.fixed(1), _): result.append(y)
      case (_, .fixed(1)): result.append(x)
      case (.fixed(let p), .fixed(let q)):
        guard p == q else { return nil }
        result.append(x)
      case (.fixed, _): result.append(x)
      case (_, .fixed): result.append(y)
      case (.symbolic(let p), .symbolic(let q)) where p == q: result.append(x)
      // A valid broadcast of a symbol with an unknown size is taken to be the symbol.
      case (.symbolic, .unknown): result.append(x)
      case (.unknown, .symbolic): result.append(y)
      default: result.append(.unknown)
      }
    }
    return result
  }

  /// The product of `sizes`, or `nil` on overflow.
  static func checkedProduct(_ sizes: some Sequence<Int>) -> Int? {
    var result = 1
    for size in sizes {
      let (product, overflow) = result.multipliedReportingOverflow(by: size)
      guard !overflow else { return nil }
      result = product
    }
    return result
  }

  /// A dimension's product form: a number times a multiset of symbols; `nil` if any factor is unknown.
  static func product(_ dims: some Sequence<Dimension>) -> (factor: Int, symbols: [String])? {
    var factor = 1
    var symbols: [String] = []
    for dim in dims {
      switch dim {
      case .fixed(let size):
        let (product, overflow) = factor.multipliedReportingOverflow(by: size)
        guard !overflow else { return nil }
        factor = product
      case .symbolic(let name): symbols.append(name)
      case .unknown: return nil
      }
    }
    return (factor, symbols.sorted())
  }

  /// The product of `dims` as one dimension when it is expressible (all fixed, or one symbol times 1).
  static func productDimension(_ dims: some Sequence<Dimension>) -> Dimension {
    guard let (factor, symbols) = product(dims) else { return .unknown }
    if symbols.isEmpty { return .fixed(factor) }
    if symbols.count == 1 && factor == 1 { return .symbolic(symbols[0]) }
    if factor == 0 { return .fixed(0) }
    return .unknown
  }

  /// `total / known` as one dimension when exact (used for `Reshape`'s `-1`).
  static func quotient(_ total: [Dimension], _ known: [Dimension]) -> Dimension {
    guard let (n, numeratorSymbols) = product(total), let (d, denominatorSymbols) = product(known), d != 0 else {
      return .unknown
    }
    var remaining = numeratorSymbols
    for symbol in denominatorSymbols {
      guard let index = remaining.firstIndex(of: symbol) else { return .unknown }
      remaining.remove(at: index)
    }
    guard n % d == 0 else { return .unknown }
    let factor = n / d
    if remaining.isEmpty { return .fixed(factor) }
    if remaining.count == 1 && factor == 1 { return .symbolic(remaining[0]) }
    return .unknown
  }

  /// A possibly negative axis made non-negative for `rank`; `nil` when out of range.
  static func normalize(axis: Int, rank: Int) -> Int? {
    let axis = axis < 0 ? axis + rank : axis
    return (0..<max(rank, 1)).contains(axis) || (rank == 0 && axis == 0) ? axis : nil
  }

  /// Output size of a sliding window (Conv, pooling) along one spatial axis.
  static func windowOutput(
    input: Dimension, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int, autoPad: String,
    ceilMode: Bool
  ) -> Dimension {
    guard case .fixed(let size) = input, stride > 0, dilation > 0, kernel > 0, size < 1 << 40,
      abs(padBegin) < 1 << 40, abs(padEnd) < 1 << 40, kernel < 1 << 20, dilation < 1 << 20
    else { return .unknown }
    let effectiveKernel = dilation * (kernel - 1) + 1
    switch autoPad {
    case "SAME_UPPER", "SAME_LOWER": return .fixed((size + stride - 1) / stride)
    case "VALID": return .fixed(max(0, (size - effectiveKernel) / stride + 1))
    default:
      let span = size + padBegin + padEnd - effectiveKernel
      guard span >= 0 else { return .fixed(0) }
      let steps = ceilMode ? (span + stride - 1) / stride : span / stride
      var output = steps + 1
      // With ceil_mode, a last window starting inside the end padding is dropped.
      if ceilMode && (output - 1) * stride >= size + padBegin { output -= 1 }
      return .fixed(output)
    }
  }

  /// Broadcasts row-major `values` of `shape` to `target` (all fixed); `nil` if not possible.
  static func broadcastValues<T>(_ values: [T], shape: [Int], to target: [Int]) -> [T]? {
    guard target.count >= shape.count else { return nil }
    let padded = Array(repeating: 1, count: target.count - shape.count) + shape
    for (s, t) in zip(padded, target) where s != t && s != 1 { return nil }
    guard let count = checkedProduct(target), count <= InferredValue.foldLimit else { return nil }
    var strides = Array(repeating: 0, count: target.count)
    var running = 1
    for axis in stride(from: target.count - 1, through: 0, by: -1) {
      strides[axis] = padded[axis] == 1 ? 0 : running
      running *= padded[axis]
    }
    var result: [T] = []
    result.reserveCapacity(count)
    var index = Array(repeating: 0, count: target.count)
    for _ in 0..<count {
      var offset = 0
      for axis in 0..<target.count { offset += index[axis] * strides[axis] }
      result.append(values[offset])
      var axis = target.count - 1
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < target[axis] { break }
        index[axis] = 0
        axis -= 1
      }
    }
    return result
  }
}
