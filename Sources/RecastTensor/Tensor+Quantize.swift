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
    let xs = floats()
    if let format = MiniFloat.format(for: target) {
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
    var values = [Int64](repeating: 0, count: count)
    for i in 0..<count {
      let s = layout.scaleIndex(i)
      let q = (xs[i] / scales[s]).rounded(.toNearestOrEven)
      let shifted = q.isNaN ? 0 : Double(q) + (zeros?[s] ?? 0)
      values[i] = Int64(Swift.min(Swift.max(shifted, Double(low)), Double(high)))
    }
    return Tensor.make(target, shape: shape, integers: values)
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
      inner = 1
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
