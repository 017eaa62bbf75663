import RecastTensor

/// Shape rules for neural-network ops: convolution, pooling, normalisation, matrix products, quantization.
extension ShapeInferencer {
  /// `Conv(X [N, C, D...], W [M, C/group, k...])` → `[N, M, D'...]`.
  func conv(_ node: Node) throws(GraphError) -> [InferredValue] {
    let (x, w) = (input(node, 0), input(node, 1))
    guard let xs = x.shape, let ws = w.shape else { return [InferredValue(dtype: x.dtype, shape: nil)] }
    guard xs.count >= 3, ws.count == xs.count else {
      throw failure(node, "input \(xs.shapeDescription) and weight \(ws.shapeDescription) do not fit a convolution")
    }
    let group = node.int("group", default: 1)
    if case .fixed(let c) = xs[1], case .fixed(let wc) = ws[1], c != wc * group {
      throw failure(
        node,
        "input \(xs.shapeDescription) has \(c) channels but weight \(ws.shapeDescription) × group \(group) "
          + "expects \(wc * group)")
    }
    let kernel = node.ints("kernel_shape") ?? ws[2...].map { $0.value ?? 1 }
    let spatial = try window(node, input: Array(xs[2...]), kernel: kernel)
    return [InferredValue(dtype: x.dtype, shape: [xs[0], ws[0]] + spatial)]
  }

  /// `MaxPool` / `AveragePool` / `LpPool`: `[N, C, D'...]` (MaxPool's optional indices are int64).
  func pool(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    guard let xs = x.shape else { return [InferredValue(dtype: x.dtype, shape: nil)] }
    guard xs.count >= 3, let kernel = node.ints("kernel_shape"), kernel.count == xs.count - 2 else {
      throw failure(node, "needs kernel_shape with one entry per spatial axis of \(xs.shapeDescription)")
    }
    let shape = [xs[0], xs[1]] + (try window(node, input: Array(xs[2...]), kernel: kernel))
    return [InferredValue(dtype: x.dtype, shape: shape), InferredValue(dtype: .int64, shape: shape)]
  }

  /// Output sizes of a sliding window over `input` spatial dimensions, from pads/strides/dilations/auto_pad.
  func window(_ node: Node, input: [Dimension], kernel: [Int]) throws(GraphError) -> [Dimension] {
    let n = input.count
    let strides = node.ints("strides") ?? Array(repeating: 1, count: n)
    let dilations = node.ints("dilations") ?? Array(repeating: 1, count: n)
    let pads = node.ints("pads") ?? Array(repeating: 0, count: 2 * n)
    guard kernel.count == n, strides.count == n, dilations.count == n, pads.count == 2 * n else {
      throw failure(
        node,
        "kernel \(kernel), strides \(strides), dilations \(dilations) or pads \(pads) do not fit \(n) spatial axes")
    }
    let autoPad = node.attributes["auto_pad"]?.stringValue ?? "NOTSET"
    let ceilMode = node.int("ceil_mode", default: 0) != 0
    return (0..<n).map { i in
      ShapeAlgebra.windowOutput(
        input: input[i], kernel: kernel[i], stride: strides[i], dilation: dilations[i], padBegin: pads[i],
        padEnd: pads[i + n], autoPad: autoPad, ceilMode: ceilMode)
    }
  }

  /// `GlobalAveragePool` etc.: `[N, C, 1, 1, ...]`.
  func globalPool(_ node: Node) -> [InferredValue] {
    let x = input(node, 0)
    let shape = x.shape.map { xs in
      Array(xs.prefix(2)) + Array(repeating: Dimension.fixed(1), count: max(xs.count - 2, 0))
    }
    return [InferredValue(dtype: x.dtype, shape: shape)]
  }

  /// `BatchNormalization`: Y like X; training-mode running statistics are `[C]`.
  func batchNorm(_ node: Node) -> [InferredValue] {
    let x = input(node, 0)
    let stats = InferredValue(dtype: input(node, 3).dtype, shape: input(node, 3).shape)
    return [InferredValue(dtype: x.dtype, shape: x.shape), stats, stats]
  }

  /// `LayerNormalization`: Y like X; Mean and InvStdDev keep the leading axes and are 1 from `axis` on.
  func layerNorm(_ node: Node) throws(GraphError) -> [InferredValue] {
    let x = input(node, 0)
    guard let shape = x.shape else { return [InferredValue(dtype: x.dtype, shape: nil)] }
    let raw = node.int("axis", default: -1)
    guard let axis = ShapeAlgebra.normalize(axis: raw, rank: shape.count) else {
      throw failure(node, "axis \(raw) is out of range for \(shape.shapeDescription)")
    }
    let statsShape = Array(shape[..<axis]) + Array(repeating: Dimension.fixed(1), count: shape.count - axis)
    let stashType = DataType(rawValue: node.int("stash_type", default: 1)) ?? .float32
    let stats = InferredValue(dtype: stashType, shape: statsShape)
    return [InferredValue(dtype: x.dtype, shape: shape), stats, stats]
  }

  /// `Gemm(A, B, C)`: `[M, K] × [K, N] → [M, N]` with `transA`/`transB`.
  func gemm(_ node: Node) throws(GraphError) -> [InferredValue] {
    let (a, b) = (input(node, 0), input(node, 1))
    guard let ashape = a.shape, let bshape = b.shape else { return [InferredValue(dtype: a.dtype, shape: nil)] }
    guard ashape.count == 2, bshape.count == 2 else {
      throw failure(node, "Gemm needs 2-D inputs, got \(ashape.shapeDescription) and \(bshape.shapeDescription)")
    }
    let transA = node.int("transA", default: 0) != 0
    let transB = node.int("transB", default: 0) != 0
    let (m, ka) = transA ? (ashape[1], ashape[0]) : (ashape[0], ashape[1])
    let (kb, n) = transB ? (bshape[1], bshape[0]) : (bshape[0], bshape[1])
    if case .fixed(let p) = ka, case .fixed(let q) = kb, p != q {
      throw failure(
        node,
        "inner dimensions differ: A \(ashape.shapeDescription) (transA \(transA ? 1 : 0)) and "
          + "B \(bshape.shapeDescription) (transB \(transB ? 1 : 0))")
    }
    return [InferredValue(dtype: a.dtype, shape: [m, n])]
  }

  /// `MatMul` with numpy semantics: batch dimensions broadcast, 1-D operands promoted and the added axis dropped.
  func matMul(_ node: Node) throws(GraphError) -> [InferredValue] {
    let (a, b) = (input(node, 0), input(node, 1))
    guard var ashape = a.shape, var bshape = b.shape, !ashape.isEmpty, !bshape.isEmpty else {
      return [InferredValue(dtype: a.dtype, shape: nil)]
    }
    let (aVector, bVector) = (ashape.count == 1, bshape.count == 1)
    if aVector { ashape.insert(.fixed(1), at: 0) }
    if bVector { bshape.append(.fixed(1)) }
    let (k1, k2) = (ashape[ashape.count - 1], bshape[bshape.count - 2])
    if case .fixed(let p) = k1, case .fixed(let q) = k2, p != q {
      throw failure(node, "inner dimensions differ: \(a.shape!.shapeDescription) × \(b.shape!.shapeDescription)")
    }
    guard let batch = ShapeAlgebra.broadcast(Array(ashape.dropLast(2)), Array(bshape.dropLast(2))) else {
      throw failure(
        node, "batch dimensions of \(a.shape!.shapeDescription) and \(b.shape!.shapeDescription) do not broadcast")
    }
    var dims = batch
    if !aVector { dims.append(ashape[ashape.count - 2]) }
    if !bVector { dims.append(bshape[bshape.count - 1]) }
    return [InferredValue(dtype: a.dtype, shape: dims)]
  }

  /// `QuantizeLinear(x, scale, zero_point)`: x's shape; type of the zero point, else `output_dtype`, else uint8.
  func quantize(_ node: Node) -> [InferredValue] {
    let x = input(node, 0)
    let dtype =
      input(node, 2).dtype ?? node.attributes["output_dtype"]?.intValue.flatMap { DataType(rawValue: $0) } ?? .uint8
    return [InferredValue(dtype: dtype, shape: x.shape)]
  }

  /// `DequantizeLinear(x, scale, zero_point)`: x's shape, the scale's type.
  func dequantize(_ node: Node) -> [InferredValue] {
    let x = input(node, 0)
    return [InferredValue(dtype: input(node, 1).dtype ?? .float32, shape: x.shape)]
  }
}
