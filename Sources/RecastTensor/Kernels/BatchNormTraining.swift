extension Tensor {
  /// ONNX `BatchNormalization` in training mode over `x [N, C, *spatial]` (rank ≥ 2): each channel is normalised
  /// with its batch mean and biased variance over `N × spatial`,
  /// `y = scale · (x − mean) / √(var + ε) + bias`. Returns `y` and the batch `mean` and `variance` (`[C]`).
  /// Statistics accumulate in Double, in four interleaved partial sums per channel (`laneSums`).
  public static func batchNormTraining(
    _ x: Tensor, scale: Tensor, bias: Tensor, epsilon: Float
  ) throws(TensorError) -> (output: Tensor, mean: Tensor, variance: Tensor) {
    let (n, c, plane) = try batchNormLayout(x, scale: scale, bias: bias)
    var mean = [Float](repeating: 0, count: c)
    var variance = [Float](repeating: 0, count: c)
    var y = Tensor(uninitialized: .float32, shape: x.shape)
    let scales = scale.floats()
    let biases = bias.floats()
    x.withUnsafeBufferPointer(as: Float.self) { px in
      y.withUnsafeMutableBufferPointer(as: Float.self) { py in
        mean.withUnsafeMutableBufferPointer { pm in
          variance.withUnsafeMutableBufferPointer { pv in
            guard let xb = px.baseAddress, let yb = py.baseAddress, let mb = pm.baseAddress, let vb = pv.baseAddress
            else { return }
            let count = Double(n * plane)
            parallelFor(c, grain: 1) { channels in
              for channel in channels {
                var sums = SIMD4<Double>()
                for image in 0..<n { sums += Tensor.laneSums(xb + (image * c + channel) * plane, plane, center: 0) }
                let mu = count > 0 ? sums.sum() / count : 0
                var squares = SIMD4<Double>()
                for image in 0..<n {
                  squares += Tensor.laneSums(xb + (image * c + channel) * plane, plane, center: mu, squared: true)
                }
                let v = count > 0 ? squares.sum() / count : 0
                mb[channel] = Float(mu)
                vb[channel] = Float(v)
                let k = Float(1 / (v + Double(epsilon)).squareRoot()) * scales[channel]
                let shift = biases[channel] - Float(mu) * k
                for image in 0..<n {
                  let offset = (image * c + channel) * plane
                  for i in 0..<plane { yb[offset + i] = xb[offset + i] * k + shift }
                }
              }
            }
          }
        }
      }
    }
    return (y, Tensor(shape: [c], floats: mean), Tensor(shape: [c], floats: variance))
  }

  /// Gradients of training-mode `BatchNormalization` given the batch `mean` and `variance` the forward used:
  /// with `x̂ = (x − mean)·r`, `r = 1/√(var + ε)` and `m = N × spatial`,
  /// `dx = scale·r·(dy − Σdy/m − x̂·Σ(dy·x̂)/m)`, `dscale = Σ dy·x̂`, `dbias = Σ dy` (sums per channel).
  public static func batchNormTrainingGradients(
    _ x: Tensor, scale: Tensor, mean: Tensor, variance: Tensor, epsilon: Float, outputGradient dy: Tensor
  ) throws(TensorError) -> (input: Tensor, scale: Tensor, bias: Tensor) {
    try batchNormGradients(x, scale: scale, mean: mean, variance: variance, epsilon: epsilon, dy, batchStatistics: true)
  }

  /// Gradients of inference-mode `BatchNormalization` (fixed `mean`, `variance`): `dx = scale·r·dy`,
  /// `dscale = Σ dy·x̂`, `dbias = Σ dy`.
  public static func batchNormInferenceGradients(
    _ x: Tensor, scale: Tensor, mean: Tensor, variance: Tensor, epsilon: Float, outputGradient dy: Tensor
  ) throws(TensorError) -> (input: Tensor, scale: Tensor, bias: Tensor) {
    try batchNormGradients(
      x, scale: scale, mean: mean, variance: variance, epsilon: epsilon, dy, batchStatistics: false)
  }

  private static func batchNormGradients(
    _ x: Tensor, scale: Tensor, mean: Tensor, variance: Tensor, epsilon: Float, _ dy: Tensor, batchStatistics: Bool
  ) throws(TensorError) -> (input: Tensor, scale: Tensor, bias: Tensor) {
    let (n, c, plane) = try batchNormLayout(x, scale: scale, bias: mean)
    guard dy.shape == x.shape, dy.dtype == .float32, variance.count == c else {
      throw TensorError("BatchNormalization gradient: dY \(dy.shape) or variance \(variance.shape) do not match")
    }
    let (scales, means, variances) = (scale.floats(), mean.floats(), variance.floats())
    var dScale = [Float](repeating: 0, count: c)
    var dBias = [Float](repeating: 0, count: c)
    var dx = Tensor(uninitialized: .float32, shape: x.shape)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      dy.withUnsafeBufferPointer(as: Float.self) { pg in
        dx.withUnsafeMutableBufferPointer(as: Float.self) { pd in
          dScale.withUnsafeMutableBufferPointer { ps in
            dBias.withUnsafeMutableBufferPointer { pb in
              guard let xb = px.baseAddress, let gb = pg.baseAddress, let db = pd.baseAddress,
                let sb = ps.baseAddress, let bb = pb.baseAddress
              else { return }
              let m = Double(n * plane)
              parallelFor(c, grain: 1) { channels in
                for channel in channels {
                  let mu = Double(means[channel])
                  let r = 1 / (Double(variances[channel]) + Double(epsilon)).squareRoot()
                  var sumsG = SIMD4<Double>()
                  var sumsGX = SIMD4<Double>()
                  for image in 0..<n {
                    let offset = (image * c + channel) * plane
                    let (g, x) = (gb + offset, xb + offset)
                    var i = 0
                    while i + 4 <= plane {
                      let gv = SIMD4<Double>(Double(g[i]), Double(g[i + 1]), Double(g[i + 2]), Double(g[i + 3]))
                      let xv = SIMD4<Double>(Double(x[i]), Double(x[i + 1]), Double(x[i + 2]), Double(x[i + 3]))
                      sumsG += gv
                      sumsGX += gv * (xv - mu) * r
                      i += 4
                    }
                    while i < plane {
                      sumsG[i & 3] += Double(g[i])
                      sumsGX[i & 3] += Double(g[i]) * (Double(x[i]) - mu) * r
                      i += 1
                    }
                  }
                  let (sumG, sumGX) = (sumsG.sum(), sumsGX.sum())
                  sb[channel] = Float(sumGX)
                  bb[channel] = Float(sumG)
                  let k = Double(scales[channel]) * r
                  let meanG = batchStatistics && m > 0 ? sumG / m : 0
                  let meanGX = batchStatistics && m > 0 ? sumGX / m : 0
                  for image in 0..<n {
                    let offset = (image * c + channel) * plane
                    for i in 0..<plane {
                      let xHat = (Double(xb[offset + i]) - mu) * r
                      db[offset + i] = Float(k * (Double(gb[offset + i]) - meanG - xHat * meanGX))
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return (dx, Tensor(shape: [c], floats: dScale), Tensor(shape: [c], floats: dBias))
  }

  /// Four lane sums of `values[i] − center` (squared with `squared`) over `count` floats, in Double: lane `j`
  /// sums the elements `i ≡ j (mod 4)`, so four independent additions run at a time; the caller adds the lanes.
  @inline(__always)
  static func laneSums(
    _ values: UnsafePointer<Float>, _ count: Int, center: Double, squared: Bool = false
  ) -> SIMD4<Double> {
    var sums = SIMD4<Double>()
    var i = 0
    while i + 4 <= count {
      let v =
        SIMD4<Double>(Double(values[i]), Double(values[i + 1]), Double(values[i + 2]), Double(values[i + 3])) - center
      sums += squared ? v * v : v
      i += 4
    }
    while i < count {
      let v = Double(values[i]) - center
      sums[i & 3] += squared ? v * v : v
      i += 1
    }
    return sums
  }

  /// `(N, C, spatial size)` of a BatchNormalization input, checking the per-channel operands.
  private static func batchNormLayout(
    _ x: Tensor, scale: Tensor, bias: Tensor
  ) throws(TensorError) -> (Int, Int, Int) {
    guard x.dtype == .float32, scale.dtype == .float32, bias.dtype == .float32 else {
      throw TensorError("BatchNormalization: operands must be float32")
    }
    guard x.rank >= 2 else { throw TensorError("BatchNormalization: input \(x.shape) needs rank ≥ 2") }
    let c = x.shape[1]
    guard scale.count == c, bias.count == c else {
      throw TensorError("BatchNormalization: scale \(scale.shape) and bias \(bias.shape) must have \(c) values")
    }
    return (x.shape[0], c, x.shape[2...].reduce(1, *))
  }
}
