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
    if isMax && PoolWindow.isPairwise(g) {
      var y = Tensor(uninitialized: .float32, shape: [x.shape[0], x.shape[1], outH, outW])
      x.withUnsafeBufferPointer(as: Float.self) { px in
        y.withUnsafeMutableBufferPointer(as: Float.self) { py in
          guard let xb = px.baseAddress, let yb = py.baseAddress else { return }
          parallelFor(planes * outH, grain: Swift.max(1, (1 << 13) / inW)) { range in
            PoolWindow.maxPairRows(xb, yb, rows: range, width: inW)
          }
        }
      }
      return y
    }
    let (kh, kw, sh, sw, dh, dw) = (
      g.kernel[0], g.kernel[1], g.strides[0], g.strides[1], g.dilations[0], g.dilations[1]
    )
    let (pt, pl) = (g.padBegin[0], g.padBegin[1])
    let (limitH, limitW) = (inH + g.padEnd[0], inW + g.padEnd[1])
    var y = Tensor(uninitialized: .float32, shape: [x.shape[0], x.shape[1], outH, outW])
    // Per output row/column: the first tap index and tap count inside the input, and the tap count inside
    // the padded extent (AveragePool's count_include_pad divisor), as three consecutive Ints.
    let rowsH = Tensor.windows(outH, stride: sh, pad: pt, dilation: dh, kernel: kh, input: inH, limit: limitH)
    let colsW = Tensor.windows(outW, stride: sw, pad: pl, dilation: dw, kernel: kw, input: inW, limit: limitW)
    // Output columns whose whole window lies inside the input: [interiorLow, interiorHigh).
    let interiorLow = Swift.min(outW, (pl + sw - 1) / sw)
    let lastStart = inW + pl - (kw - 1) * dw - 1
    let interiorHigh = lastStart < 0 ? interiorLow : Swift.max(interiorLow, Swift.min(outW, lastStart / sw + 1))
    let window = PoolWindow(
      inH: inH, inW: inW, outH: outH, outW: outW, kw: kw, sh: sh, sw: sw, dh: dh, dw: dw, pt: pt, pl: pl,
      interior: interiorLow..<interiorHigh, countIncludePad: countIncludePad)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      y.withUnsafeMutableBufferPointer(as: Float.self) { py in
        rowsH.withUnsafeBufferPointer { ph in
          colsW.withUnsafeBufferPointer { pw in
            guard let xb = px.baseAddress, let yb = py.baseAddress, let hb = ph.baseAddress, let wb = pw.baseAddress
            else { return }
            parallelFor(planes, grain: Swift.max(1, (1 << 14) / Swift.max(outH * outW * kh * kw, 1))) { range in
              for plane in range {
                let source = xb + plane * inH * inW
                let out = yb + plane * outH * outW
                if isMax {
                  window.maxPlane(source, out, rows: hb, columns: wb)
                } else {
                  window.averagePlane(source, out, rows: hb, columns: wb)
                }
              }
            }
          }
        }
      }
    }
    return y
  }

  /// For each output position along one axis, three Ints: first in-input tap, in-input tap count, padded
  /// tap count.
  static func windows(
    _ count: Int, stride: Int, pad: Int, dilation: Int, kernel: Int, input: Int, limit: Int
  ) -> [Int] {
    (0..<count).flatMap { o in
      let start = o * stride - pad
      var first = -1
      var inside = 0
      var padded = 0
      for k in 0..<kernel {
        let p = start + k * dilation
        if p >= limit { break }
        padded += 1
        if p >= 0 && p < input {
          if first < 0 { first = k }
          inside += 1
        }
      }
      return [Swift.max(first, 0), inside, padded]
    }
  }
}
