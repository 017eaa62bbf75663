#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Tensor {
  /// ONNX `Softmax` (opset 13) along `axis` (default −1): `exp(x − max) / Σ exp(x − max)`. With `log`,
  /// `LogSoftmax`: `x − max − log Σ exp(x − max)`.
  public func softmax(axis: Int = -1, log: Bool = false) throws(TensorError) -> Tensor {
    guard dtype == .float32 else { throw TensorError("Softmax: unsupported type \(dtype)") }
    let axis = try Shape.normalize(axis: axis, rank: Swift.max(rank, 1), op: "Softmax")
    let n = rank == 0 ? 1 : shape[axis]
    let inner = rank == 0 ? 1 : shape[(axis + 1)...].reduce(1, *)
    let outer = count / Swift.max(n * inner, 1)
    var out = Tensor(uninitialized: .float32, shape: shape)
    withUnsafeBufferPointer(as: Float.self) { px in
      out.withUnsafeMutableBufferPointer(as: Float.self) { py in
        guard let xb = px.baseAddress, let yb = py.baseAddress else { return }
        parallelFor(outer * inner, grain: Swift.max(1, Parallelism.elementwiseGrain / Swift.max(n, 1) / 8)) { range in
          for lane in range {
            let base = (lane / inner) * n * inner + lane % inner
            if inner == 1 {
              Tensor.softmaxRow(xb + base, yb + base, n, log: log)
              continue
            }
            let x = xb + base
            let y = yb + base
            var m = -Float.infinity
            for j in 0..<n where x[j * inner] > m { m = x[j * inner] }
            var s: Float = 0
            for j in 0..<n {
              let e = expf(x[j * inner] - m)
              y[j * inner] = e
              s += e
            }
            if log {
              let shift = m + logf(s)
              for j in 0..<n { y[j * inner] = x[j * inner] - shift }
            } else {
              let r = 1 / s
              for j in 0..<n { y[j * inner] *= r }
            }
          }
        }
      }
    }
    return out
  }

  /// Softmax of one contiguous row, with the eight-lane exp.
  static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, log: Bool) {
    var m = -Float.infinity
    for j in 0..<n { m = x[j] > m ? x[j] : m }
    if log {
      let s = sum(x, n) { VectorMath.exp($0 - m) }
      let shift = m + logf(s)
      for j in 0..<n { y[j] = x[j] - shift }
      return
    }
    for j in 0..<n { y[j] = VectorMath.exp(x[j] - m) }
    let r = 1 / sum(UnsafePointer(y), n) { $0 }
    for j in 0..<n { y[j] *= r }
  }

  /// ONNX `LayerNormalization`: normalises over axes `axis…rank−1` (default −1):
  /// `(x − mean) / √(var + epsilon) · scale + bias`, with `scale` and `bias` broadcast to those axes.
  /// Mean and (biased) variance are computed in two passes in Float.
  public func layerNormalized(
    scale: Tensor, bias: Tensor? = nil, axis: Int = -1, epsilon: Float = 1e-5
  ) throws(TensorError) -> Tensor {
    guard dtype == .float32, scale.dtype == .float32, bias?.dtype ?? .float32 == .float32 else {
      throw TensorError("LayerNormalization: operands must be float32")
    }
    let axis = try Shape.normalize(axis: axis, rank: rank, op: "LayerNormalization")
    let normShape = Array(shape[axis...])
    let n = normShape.reduce(1, *)
    let outer = count / Swift.max(n, 1)
    let gamma = try scale.expanded(to: normShape, op: "LayerNormalization scale")
    let beta =
      try bias.map { b throws(TensorError) in try b.expanded(to: normShape, op: "LayerNormalization bias") }
      ?? Tensor(zeros: .float32, shape: normShape)
    var out = Tensor(uninitialized: .float32, shape: shape)
    withUnsafeBufferPointer(as: Float.self) { px in
      gamma.withUnsafeBufferPointer(as: Float.self) { pg in
        beta.withUnsafeBufferPointer(as: Float.self) { pb in
          out.withUnsafeMutableBufferPointer(as: Float.self) { py in
            guard let xb = px.baseAddress, let yb = py.baseAddress, let g = pg.baseAddress, let b = pb.baseAddress
            else { return }
            parallelFor(outer, grain: Swift.max(1, Parallelism.elementwiseGrain / Swift.max(n, 1) / 4)) { rows in
              for row in rows {
                let x = xb + row * n
                let y = yb + row * n
                let mean = Tensor.sum(x, n) { $0 } / Float(n)
                let variance = Tensor.sum(x, n) { ($0 - mean) * ($0 - mean) } / Float(n)
                let inv = 1 / (variance + epsilon).squareRoot()
                for i in 0..<n { y[i] = (x[i] - mean) * inv * g[i] + b[i] }
              }
            }
          }
        }
      }
    }
    return out
  }

  /// ONNX `BatchNormalization` in inference mode on `X [N, C, …]`:
  /// `(x − mean[c]) / √(var[c] + epsilon) · scale[c] + bias[c]`.
  public func batchNormalized(
    scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, epsilon: Float = 1e-5
  ) throws(TensorError) -> Tensor {
    guard dtype == .float32, rank >= 2 else { throw TensorError("BatchNormalization: X must be float32 of rank ≥ 2") }
    let c = shape[1]
    let params = [scale, bias, mean, variance]
    guard params.allSatisfy({ $0.count == c && $0.dtype == .float32 }) else {
      throw TensorError("BatchNormalization: scale, B, mean and var must be float32 with \(c) values")
    }
    let (s, b, m, v) = (scale.floats(), bias.floats(), mean.floats(), variance.floats())
    var multiplier = [Float](repeating: 0, count: c)
    var offset = [Float](repeating: 0, count: c)
    for ch in 0..<c {
      multiplier[ch] = s[ch] / (v[ch] + epsilon).squareRoot()
      offset[ch] = b[ch] - m[ch] * multiplier[ch]
    }
    let plane = shape[2...].reduce(1, *)
    let planes = shape[0] * c
    var out = Tensor(uninitialized: .float32, shape: shape)
    withUnsafeBufferPointer(as: Float.self) { px in
      out.withUnsafeMutableBufferPointer(as: Float.self) { py in
        multiplier.withUnsafeBufferPointer { pm in
          offset.withUnsafeBufferPointer { po in
            guard let xb = px.baseAddress, let yb = py.baseAddress else { return }
            parallelFor(planes, grain: Swift.max(1, Parallelism.elementwiseGrain / Swift.max(plane, 1))) { range in
              for p in range {
                let (k, d) = (pm[p % c], po[p % c])
                let x = xb + p * plane
                let y = yb + p * plane
                for i in 0..<plane { y[i] = x[i] * k + d }
              }
            }
          }
        }
      }
    }
    return out
  }
}
