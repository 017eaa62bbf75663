extension Tensor {
  /// Gradient of ONNX `MaxPool` (1-D or 2-D) with respect to `x`: each output's gradient goes to the tap that
  /// won its window (the first largest in-input tap, as the forward picks it; padding never wins). Attributes
  /// as in `maxPool`.
  public static func maxPoolGradient(
    _ x: Tensor, outputGradient dy: Tensor, kernelShape: [Int], strides: [Int]? = nil, pads: [Int]? = nil,
    dilations: [Int]? = nil, ceilMode: Bool = false, autoPad: AutoPad = .notSet
  ) throws(TensorError) -> Tensor {
    try poolGradient(
      x, x.shape, dy, isMax: true, kernelShape, strides, pads, dilations, ceilMode, autoPad, countIncludePad: false)
  }

  /// Gradient of ONNX `AveragePool` (1-D or 2-D) with respect to `x`: each output's gradient, divided by the
  /// window's divisor (in-input taps, or padded-extent taps with `countIncludePad`), is added to every in-input
  /// tap of the window. Only the input's shape is needed.
  public static func averagePoolGradient(
    inputShape: [Int], outputGradient dy: Tensor, kernelShape: [Int], strides: [Int]? = nil, pads: [Int]? = nil,
    dilations: [Int]? = nil, ceilMode: Bool = false, autoPad: AutoPad = .notSet, countIncludePad: Bool = false
  ) throws(TensorError) -> Tensor {
    try poolGradient(
      nil, inputShape, dy, isMax: false, kernelShape, strides, pads, dilations, ceilMode, autoPad,
      countIncludePad: countIncludePad)
  }

  /// `x` is needed for MaxPool only (AveragePool passes `nil` and the input shape).
  private static func poolGradient(
    _ x: Tensor?, _ shape: [Int], _ dy: Tensor, isMax: Bool, _ kernelShape: [Int], _ strides: [Int]?, _ pads: [Int]?,
    _ dilations: [Int]?, _ ceilMode: Bool, _ autoPad: AutoPad, countIncludePad: Bool
  ) throws(TensorError) -> Tensor {
    let op = isMax ? "MaxPool gradient" : "AveragePool gradient"
    guard x?.dtype ?? .float32 == .float32, dy.dtype == .float32 else {
      throw TensorError("\(op): operands must be float32")
    }
    guard shape.count == 3 || shape.count == 4, dy.rank == shape.count else {
      throw TensorError("\(op): only 1-D and 2-D pooling is supported")
    }
    if shape.count == 3 {
      let dx = try poolGradient(
        x?.unsqueezedSpatial(), [shape[0], shape[1], 1, shape[2]], dy.unsqueezedSpatial(), isMax: isMax,
        [1] + kernelShape, strides.map { [1] + $0 },
        pads.map { [0, $0[0], 0, $0[1]] }, dilations.map { [1] + $0 }, ceilMode, autoPad,
        countIncludePad: countIncludePad)
      return dx.squeezedSpatial()
    }
    let g = try SpatialGeometry(
      op: op, input: Array(shape[2...]), kernel: kernelShape, strides: strides, dilations: dilations, pads: pads,
      autoPad: autoPad, ceilMode: ceilMode)
    guard dy.shape == Array(shape[..<2]) + g.output else {
      throw TensorError("\(op): dY \(dy.shape) does not match the pooled output of X \(shape)")
    }
    if isMax && x == nil { throw TensorError("\(op): the input is needed") }
    let planes = shape[0] * shape[1]
    let (inH, inW, outH, outW) = (g.input[0], g.input[1], g.output[0], g.output[1])
    let (kh, kw, sh, sw, dh, dw) = (
      g.kernel[0], g.kernel[1], g.strides[0], g.strides[1], g.dilations[0], g.dilations[1]
    )
    let (pt, pl) = (g.padBegin[0], g.padBegin[1])
    // Per output row/column: first in-input tap, in-input tap count, padded tap count (as the forward computes).
    let rowsH = windows(outH, stride: sh, pad: pt, dilation: dh, kernel: kh, input: inH, limit: inH + g.padEnd[0])
    let colsW = windows(outW, stride: sw, pad: pl, dilation: dw, kernel: kw, input: inW, limit: inW + g.padEnd[1])
    var dx = Tensor(zeros: .float32, shape: shape)
    // AveragePool reads no input values; dy stands in for it (a view of dx would make dx's write below copy it).
    let values = x ?? dy
    values.withUnsafeBufferPointer(as: Float.self) { px in
      dy.withUnsafeBufferPointer(as: Float.self) { pg in
        dx.withUnsafeMutableBufferPointer(as: Float.self) { pd in
          guard let xb = px.baseAddress, let gb = pg.baseAddress, let db = pd.baseAddress else { return }
          parallelFor(planes, grain: Swift.max(1, (1 << 14) / Swift.max(outH * outW * kh * kw, 1))) { range in
            for plane in range {
              let source = xb + plane * inH * inW
              let grad = gb + plane * outH * outW
              let target = db + plane * inH * inW
              for oh in 0..<outH {
                let (firstH, insideH, paddedH) = (rowsH[3 * oh], rowsH[3 * oh + 1], rowsH[3 * oh + 2])
                let baseH = oh * sh - pt
                for ow in 0..<outW {
                  let (firstW, insideW, paddedW) = (colsW[3 * ow], colsW[3 * ow + 1], colsW[3 * ow + 2])
                  let baseW = ow * sw - pl
                  let gradient = grad[oh * outW + ow]
                  guard insideH > 0 && insideW > 0 else { continue }
                  if isMax {
                    // The first tap, then each later one that is larger (or the first NaN), chosen by selects.
                    var winner = (baseH + firstH * dh) * inW + baseW + firstW * dw
                    var best = source[winner]
                    for ki in firstH..<firstH + insideH {
                      let row = (baseH + ki * dh) * inW
                      for kj in firstW..<firstW + insideW {
                        let index = row + baseW + kj * dw
                        let v = source[index]
                        let take = v > best || (v != v && best == best)
                        best = take ? v : best
                        winner = take ? index : winner
                      }
                    }
                    target[winner] += gradient
                  } else {
                    let divisor = countIncludePad ? paddedH * paddedW : insideH * insideW
                    let share = gradient / Float(divisor)
                    for ki in firstH..<firstH + insideH {
                      let row = (baseH + ki * dh) * inW
                      for kj in firstW..<firstW + insideW { target[row + baseW + kj * dw] += share }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return dx
  }
}
