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
          // 2×2 windows at stride 2 without padding or dilation lie inside the input and do not overlap.
          let pairs =
            isMax && kh == 2 && kw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1 && pt == 0 && pl == 0
            && 2 * outH <= inH && 2 * outW <= inW
          parallelFor(planes, grain: Swift.max(1, (1 << 14) / Swift.max(outH * outW * kh * kw, 1))) { range in
            for plane in range {
              let source = xb + plane * inH * inW
              let grad = gb + plane * outH * outW
              let target = db + plane * inH * inW
              for oh in 0..<outH {
                let (firstH, insideH, paddedH) = (rowsH[3 * oh], rowsH[3 * oh + 1], rowsH[3 * oh + 2])
                let baseH = oh * sh - pt
                var done = 0
                if pairs {
                  let (top, row) = (source + 2 * oh * inW, target + 2 * oh * inW)
                  while done + 4 <= outW {
                    PoolWindow.maxPairGradient(
                      SIMD8<Float>.self, top + 2 * done, inW, grad + oh * outW + done, row + 2 * done)
                    done += 4
                  }
                  while done + 2 <= outW {
                    PoolWindow.maxPairGradient(
                      SIMD4<Float>.self, top + 2 * done, inW, grad + oh * outW + done, row + 2 * done)
                    done += 2
                  }
                }
                for ow in done..<outW {
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

extension PoolWindow {
  /// MaxPool gradient of four adjacent 2×2 windows at stride 2 whose taps are the even and odd lanes of the rows at
  /// `top` and `top + rowStride` (see `maxPairShares`); writes those rows' lanes at `target`.
  @inline(__always)
  static func maxPairGradient(
    _: SIMD8<Float>.Type, _ top: UnsafePointer<Float>, _ rowStride: Int, _ gradient: UnsafePointer<Float>,
    _ target: UnsafeMutablePointer<Float>
  ) {
    let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD8<Float>.self)
    let lower = UnsafeRawPointer(top + rowStride).loadUnaligned(as: SIMD8<Float>.self)
    let g = UnsafeRawPointer(gradient).loadUnaligned(as: SIMD4<Float>.self)
    let (a, b, c, d) = maxPairShares(upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf, g)
    var out = SIMD8<Float>()
    (out.evenHalf, out.oddHalf) = (a, b)
    UnsafeMutableRawPointer(target).storeBytes(of: out, as: SIMD8<Float>.self)
    (out.evenHalf, out.oddHalf) = (c, d)
    UnsafeMutableRawPointer(target + rowStride).storeBytes(of: out, as: SIMD8<Float>.self)
  }

  /// The same for two windows.
  @inline(__always)
  static func maxPairGradient(
    _: SIMD4<Float>.Type, _ top: UnsafePointer<Float>, _ rowStride: Int, _ gradient: UnsafePointer<Float>,
    _ target: UnsafeMutablePointer<Float>
  ) {
    let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD4<Float>.self)
    let lower = UnsafeRawPointer(top + rowStride).loadUnaligned(as: SIMD4<Float>.self)
    let g = SIMD2<Float>(gradient[0], gradient[1])
    let (a, b, c, d) = maxPairShares(upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf, g)
    var out = SIMD4<Float>()
    (out.evenHalf, out.oddHalf) = (a, b)
    UnsafeMutableRawPointer(target).storeBytes(of: out, as: SIMD4<Float>.self)
    (out.evenHalf, out.oddHalf) = (c, d)
    UnsafeMutableRawPointer(target + rowStride).storeBytes(of: out, as: SIMD4<Float>.self)
  }

  /// Per lane, the gradient each tap of a window `(a, b, c, d)` (row-major) receives: `g + 0` (what adding `g` to a
  /// zero gradient gives) for the first largest tap, or the first NaN if there is one, as the generic loop picks it;
  /// zero for the others. Selects instead of branches: which tap wins is a coin flip for the predictor.
  @inline(__always)
  static func maxPairShares<H: SIMD>(_ a: H, _ b: H, _ c: H, _ d: H, _ g: H) -> (H, H, H, H)
  where H.Scalar == Float {
    var best = a
    let tb = (b .> best) .| ((b .!= b) .& (best .== best))
    best.replace(with: b, where: tb)
    let tc = (c .> best) .| ((c .!= c) .& (best .== best))
    best.replace(with: c, where: tc)
    let td = (d .> best) .| ((d .!= d) .& (best .== best))
    let (share, zero) = (g + H(), H())
    return (
      zero.replacing(with: share, where: .!(tb .| tc .| td)), zero.replacing(with: share, where: tb .& .!(tc .| td)),
      zero.replacing(with: share, where: tc .& .!td), zero.replacing(with: share, where: td)
    )
  }
}
