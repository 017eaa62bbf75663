/// ONNX `QuantizeLinear` / `DequantizeLinear` (opset 21+ semantics) on float32 inputs.
///
/// Granularity follows the shape of `scale`: one element is per-tensor; a 1-D scale of `x.shape[axis]`
/// elements is per-axis; a scale of `x`'s rank whose `axis` dimension is `ceil(x.shape[axis] / blockSize)`
/// (other dimensions equal) is blocked. The zero point, when given, has the scale's shape.
extension Tensor {
  /// `QuantizeLinear`: integers `q = clamp(round_half_even(x / scale) + zero_point, qmin, qmax)`; float8 and
  /// float4 `q = encode(x / scale)` (zero point must be 0), saturating unless `saturate` is false. The output
  /// type is the zero point's, or `outputType` (default uint8).
  public func quantizeLinear(
    scale: Tensor, zeroPoint: Tensor? = nil, axis: Int = 1, blockSize: Int = 0, outputType: DataType? = nil,
    saturate: Bool = true
  ) throws(TensorError) -> Tensor {
    guard dtype == .float32, scale.dtype == .float32 else {
      throw TensorError("QuantizeLinear: x and scale must be float32")
    }
    let target = zeroPoint?.dtype ?? outputType ?? .uint8
    let layout = try QuantizationLayout(x: shape, scale: scale.shape, axis: axis, blockSize: blockSize)
    let scales = scale.floats()
    let zeros = zeroPoint.map {
      $0.dtype.isFloatingPoint ? $0.floats().map(Double.init) : $0.integers().map(Double.init)
    }
    if let zeros, zeros.count != scales.count {
      throw TensorError("QuantizeLinear: zero point shape differs from scale")
    }
    if let format = MiniFloat.format(for: target) {
      let xs = floats()
      var codes = [UInt8](repeating: 0, count: count)
      for i in 0..<count { codes[i] = format.encode(xs[i] / scales[layout.scaleIndex(i)], saturate: saturate) }
      if target == .float4e2m1 {
        return Tensor(dtype: target, shape: shape, rawBytes: Packing.packCodes(codes, bits: 4))
      }
      return Tensor(shape: shape, scalars: codes, dtype: target)
    }
    guard !target.isFloatingPoint, target != .bool, target != .string else {
      throw TensorError("QuantizeLinear: unsupported output type \(target)")
    }
    let (low, high) = Packing.range(of: target)
    let zeroPoints = (zeros ?? [0]).map { Float($0) }
    switch target {
    case .int8: return quantized(scales, zeroPoints, zeros != nil, layout, Float(low), Float(high), target, Int8.self)
    case .uint8: return quantized(scales, zeroPoints, zeros != nil, layout, Float(low), Float(high), target, UInt8.self)
    case .int16: return quantized(scales, zeroPoints, zeros != nil, layout, Float(low), Float(high), target, Int16.self)
    case .uint16:
      return quantized(scales, zeroPoints, zeros != nil, layout, Float(low), Float(high), target, UInt16.self)
    case .int4, .uint4, .int2, .uint2:
      let codes = quantized(scales, zeroPoints, zeros != nil, layout, Float(low), Float(high), .int8, Int8.self)
      return Tensor(dtype: target, shape: shape, rawBytes: Packing.packCodes(codes.rawBytes, bits: target.bitWidth))
    default:
      throw TensorError("QuantizeLinear: unsupported output type \(target)")
    }
  }

  /// `clamp(round_half_even(x / scale) + zero, low, high)`; NaN gives `clamp(zero)`. Branch-free so the
  /// loops vectorise: the quotient is clamped to just beyond the code range (harmless, since rounding is
  /// monotone), then rounded and converted with the 1.5·2²³ trick (exact for |v| < 2²²).
  @inline(__always)
  static func quantize<T: BinaryInteger>(_ x: Float, _ scale: Float, _ zero: Float, _ low: Float, _ high: Float) -> T {
    let magic: Float = 12_582_912
    var v = x / scale
    v = v != v ? 0 : v
    let below = low - zero - 1
    let above = high - zero + 1
    v = v < below ? below : v
    v = v > above ? above : v
    var q = (v + magic) - magic + zero
    q = q < low ? low : q
    q = q > high ? high : q
    return T(truncatingIfNeeded: Int32(bitPattern: (q + magic).bitPattern) &- 0x4B40_0000)
  }

  /// The integer quantization loop: rows of `layout.inner` contiguous elements share a scale pointer
  /// (stride 0 per-tensor and per-axis, 1 for blocks), so the inner loop has no index arithmetic.
  private func quantized<T: BinaryInteger & BitwiseCopyable>(
    _ scales: [Float], _ zeroPoints: [Float], _ hasZeroPoint: Bool, _ layout: QuantizationLayout, _ low: Float,
    _ high: Float, _ type: DataType, _: T.Type
  ) -> Tensor {
    var out = Tensor(zeros: type, shape: shape)
    let inner = layout.inner
    let rows = count / Swift.max(inner, 1)
    withUnsafeBufferPointer(as: Float.self) { px in
      out.withUnsafeMutableBufferPointer(as: T.self) { pq in
        scales.withUnsafeBufferPointer { ps in
          zeroPoints.withUnsafeBufferPointer { pz in
            guard let x = px.baseAddress, let q = pq.baseAddress, let sBase = ps.baseAddress, let zBase = pz.baseAddress
            else { return }
            if layout.kind == .block && inner == 1 {
              // Blocks along the last axis: each block is a contiguous run sharing one scale.
              let (dim, size, blocks) = (layout.dim, layout.blockSize, layout.blocks)
              parallelFor(rows / dim * blocks, grain: Swift.max(1, (1 << 16) / size)) { range in
                for block in range {
                  let start = (block / blocks) * dim + (block % blocks) * size
                  let length = Swift.min(size, dim - (block % blocks) * size)
                  let (scale, zero) = (sBase[block], hasZeroPoint ? zBase[block] : zBase[0])
                  for i in start..<(start + length) { q[i] = Tensor.quantize(x[i], scale, zero, low, high) }
                }
              }
              return
            }
            parallelFor(rows, grain: Swift.max(1, (1 << 16) / Swift.max(inner, 1))) { range in
              for row in range {
                let (offset, stride) = layout.rowScales(row)
                let sp = sBase + offset
                let zp = zBase + (hasZeroPoint ? offset : 0)
                let zStride = hasZeroPoint ? stride : 0
                let xr = x + row * inner
                let qr = q + row * inner
                if stride == 0 {
                  let (scale, zero) = (sp[0], zp[0])
                  for i in 0..<inner { qr[i] = Tensor.quantize(xr[i], scale, zero, low, high) }
                } else {
                  for i in 0..<inner { qr[i] = Tensor.quantize(xr[i], sp[i], zp[i * zStride], low, high) }
                }
              }
            }
          }
        }
      }
    }
    return out
  }

  /// `DequantizeLinear`: `(x − zero_point) · scale` as float32, for any integer, float8 or float4 input.
  public func dequantizeLinear(
    scale: Tensor, zeroPoint: Tensor? = nil, axis: Int = 1, blockSize: Int = 0
  ) throws(TensorError) -> Tensor {
    guard scale.dtype == .float32 else { throw TensorError("DequantizeLinear: scale must be float32") }
    let layout = try QuantizationLayout(x: shape, scale: scale.shape, axis: axis, blockSize: blockSize)
    let scales = scale.floats()
    let zeros = zeroPoint.map { $0.floats() } ?? []
    if !zeros.isEmpty && zeros.count != scales.count {
      throw TensorError("DequantizeLinear: zero point shape differs from scale")
    }
    let values = try cast(to: .float32).floats()
    var out = [Float](repeating: 0, count: count)
    for i in 0..<count {
      let s = layout.scaleIndex(i)
      out[i] = (values[i] - (zeros.isEmpty ? 0 : zeros[s])) * scales[s]
    }
    return Tensor(shape: shape, floats: out)
  }
}

/// Maps an element index of `x` to the index of its scale.
struct QuantizationLayout {
  enum Kind { case tensor, axis, block }
  let kind: Kind
  let dim: Int
  let inner: Int
  let blockSize: Int
  let blocks: Int

  init(x: [Int], scale: [Int], axis: Int, blockSize: Int) throws(TensorError) {
    let scaleCount = scale.reduce(1, *)
    if scaleCount == 1 && blockSize == 0 {
      kind = .tensor
      dim = 1
      inner = x.last ?? 1
      self.blockSize = 1
      blocks = 1
      return
    }
    let a = try Shape.normalize(axis: axis, rank: x.count, op: "QuantizeLinear")
    dim = x[a]
    inner = x[(a + 1)...].reduce(1, *)
    if blockSize > 0 {
      blocks = (dim + blockSize - 1) / blockSize
      var expected = x
      expected[a] = blocks
      guard scale == expected else {
        throw TensorError("blocked quantization: scale \(scale) must be \(expected) for block size \(blockSize)")
      }
      kind = .block
      self.blockSize = blockSize
    } else {
      guard scale.count == 1, scale[0] == dim else {
        throw TensorError("per-axis quantization: scale \(scale) must have \(dim) elements (axis \(axis) of \(x))")
      }
      kind = .axis
      self.blockSize = 1
      blocks = dim
    }
  }

  /// For row `row` of `inner` contiguous elements: the offset of its first scale and the scale stride.
  @inline(__always)
  func rowScales(_ row: Int) -> (offset: Int, stride: Int) {
    switch kind {
    case .tensor: return (0, 0)
    case .axis: return (row % dim, 0)
    case .block:
      let o = row / dim
      let d = row % dim
      return ((o * blocks + d / blockSize) * inner, 1)
    }
  }

  @inline(__always)
  func scaleIndex(_ i: Int) -> Int {
    switch kind {
    case .tensor: return 0
    case .axis: return (i / inner) % dim
    case .block:
      let o = i / (dim * inner)
      let d = (i / inner) % dim
      return (o * blocks + d / blockSize) * inner + i % inner
    }
  }
}
