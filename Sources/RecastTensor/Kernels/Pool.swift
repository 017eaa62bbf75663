extension Tensor {
  /// ONNX `MaxPool` over 1-D or 2-D spatial axes of `X [N, C, *spatial]`. Padding never wins (it acts as
  /// −∞). `ceilMode` rounds the output size up, dropping a last window that would start in the end padding.
  public static func maxPool(
    _ x: Tensor, kernelShape: [Int], strides: [Int]? = nil, pads: [Int]? = nil, dilations: [Int]? = nil,
    ceilMode: Bool = false, autoPad: AutoPad = .notSet
  ) throws(TensorError) -> Tensor {
    try pool(x, max: true, kernelShape, strides, pads, dilations, ceilMode, autoPad, countIncludePad: false)
  }

  /// ONNX `AveragePool`: the mean over each window. Without `countIncludePad` the divisor counts only
  /// taps inside the input; with it, taps inside the padded extent `[−pad_begin, in + pad_end)` count too.
  public static func averagePool(
    _ x: Tensor, kernelShape: [Int], strides: [Int]? = nil, pads: [Int]? = nil, dilations: [Int]? = nil,
    ceilMode: Bool = false, autoPad: AutoPad = .notSet, countIncludePad: Bool = false
  ) throws(TensorError) -> Tensor {
    try pool(x, max: false, kernelShape, strides, pads, dilations, ceilMode, autoPad, countIncludePad: countIncludePad)
  }

  /// ONNX `GlobalAveragePool`: mean over all spatial axes, keeping them as size 1.
  public static func globalAveragePool(_ x: Tensor) throws(TensorError) -> Tensor {
    guard x.rank >= 3 else { throw TensorError("GlobalAveragePool: input \(x.shape) needs rank ≥ 3") }
    return try x.reduced(.mean, axes: Array(2..<x.rank), keepDims: true)
  }

  /// ONNX `GlobalMaxPool`: max over all spatial axes, keeping them as size 1.
  public static func globalMaxPool(_ x: Tensor) throws(TensorError) -> Tensor {
    guard x.rank >= 3 else { throw TensorError("GlobalMaxPool: input \(x.shape) needs rank ≥ 3") }
    return try x.reduced(.max, axes: Array(2..<x.rank), keepDims: true)
  }

  private static func pool(
    _ x: Tensor, max isMax: Bool, _ kernelShape: [Int], _ strides: [Int]?, _ pads: [Int]?, _ dilations: [Int]?,
    _ ceilMode: Bool, _ autoPad: AutoPad, countIncludePad: Bool
  ) throws(TensorError) -> Tensor {
    let op = isMax ? "MaxPool" : "AveragePool"
    guard x.dtype == .float32 else { throw TensorError("\(op): input must be float32") }
    guard x.rank == 3 || x.rank == 4 else { throw TensorError("\(op): only 1-D and 2-D pooling is supported") }
    if x.rank == 3 {
      let y = try pool(
        x.reshaped([x.shape[0], x.shape[1], 1, x.shape[2]]), max: isMax, [1] + kernelShape, strides.map { [1] + $0 },
        pads.map { [0, $0[0], 0, $0[1]] }, dilations.map { [1] + $0 }, ceilMode, autoPad,
        countIncludePad: countIncludePad)
      return y.reshaped([y.shape[0], y.shape[1], y.shape[3]])
    }
    let g = try SpatialGeometry(
      op: op, input: Array(x.shape[2...]), kernel: kernelShape, strides: strides, dilations: dilations, pads: pads,
      autoPad: autoPad, ceilMode: ceilMode)
    let planes = x.shape[0] * x.shape[1]
    let (inH, inW, outH, outW) = (g.input[0], g.input[1], g.output[0], g.output[1])
    let (kh, kw, sh, sw, dh, dw) = (g.kernel[0], g.kernel[1], g.strides[0], g.strides[1], g.dilations[0], g.dilations[1])
    let (pt, pl) = (g.padBegin[0], g.padBegin[1])
    let (limitH, limitW) = (inH + g.padEnd[0], inW + g.padEnd[1])
    var y = Tensor(zeros: .float32, shape: [x.shape[0], x.shape[1], outH, outW])
    x.withUnsafeBufferPointer(as: Float.self) { px in
      y.withUnsafeMutableBufferPointer(as: Float.self) { py in
        guard let xb = px.baseAddress, let yb = py.baseAddress else { return }
        parallelFor(planes, grain: Swift.max(1, (1 << 14) / Swift.max(outH * outW * kh * kw, 1))) { range in
          for plane in range {
            let source = xb + plane * inH * inW
            var out = yb + plane * outH * outW
            for oh in 0..<outH {
              let h0 = oh * sh - pt
              for ow in 0..<outW {
                let w0 = ow * sw - pl
                var best = -Float.infinity
                var sum: Float = 0
                var taps = 0
                var paddedTaps = 0
                for i in 0..<kh {
                  let h = h0 + i * dh
                  if h >= limitH { break }
                  let inside = h >= 0 && h < inH
                  let row = source + h * inW
                  for j in 0..<kw {
                    let w = w0 + j * dw
                    if w >= limitW { break }
                    paddedTaps += 1
                    if inside && w >= 0 && w < inW {
                      let v = row[w]
                      if isMax {
                        if v > best || v.isNaN { best = v }
                      } else {
                        sum += v
                        taps += 1
                      }
                    }
                  }
                }
                if isMax {
                  out[ow] = best
                } else {
                  let divisor = countIncludePad ? paddedTaps : taps
                  out[ow] = divisor > 0 ? sum / Float(divisor) : 0
                }
              }
              out += outW
            }
          }
        }
      }
    }
    return y
  }
}
