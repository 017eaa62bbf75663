import COpenBLAS

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Tensor {
  /// ONNX `Conv` over 1-D or 2-D spatial axes: `X [N, C, *spatial]`, `W [M, C/group, *kernel]`, optional
  /// bias `B [M]`. Lowered to im2col + `cblas_sgemm` as `ConvPlan` describes; depthwise kernels
  /// (`group == C == M`) run a direct loop. Attributes as in ONNX; absent lists default to 1s (strides,
  /// dilations) and 0s (pads). `relu` clamps the result at zero in the same pass that adds the bias (a
  /// `Conv → Relu` pair fused).
  public static func conv(
    _ x: Tensor, weight w: Tensor, bias: Tensor? = nil, strides: [Int]? = nil, pads: [Int]? = nil,
    dilations: [Int]? = nil, group: Int = 1, autoPad: AutoPad = .notSet, relu: Bool = false
  ) throws(TensorError) -> Tensor {
    guard x.dtype == .float32, w.dtype == .float32, bias?.dtype ?? .float32 == .float32 else {
      throw TensorError("Conv: operands must be float32")
    }
    guard x.rank == 3 || x.rank == 4, w.rank == x.rank else {
      throw TensorError("Conv: only 1-D and 2-D convolutions are supported (X \(x.shape), W \(w.shape))")
    }
    if x.rank == 3 {
      let y = try conv(
        x.reshaped([x.shape[0], x.shape[1], 1, x.shape[2]]),
        weight: w.reshaped([w.shape[0], w.shape[1], 1, w.shape[2]]),
        bias: bias, strides: strides.map { [1] + $0 }, pads: pads.map { [0, $0[0], 0, $0[1]] },
        dilations: dilations.map { [1] + $0 }, group: group, autoPad: autoPad, relu: relu)
      return y.reshaped([y.shape[0], y.shape[1], y.shape[3]])
    }
    let (n, c) = (x.shape[0], x.shape[1])
    let m = w.shape[0]
    guard group > 0, c % group == 0, m % group == 0, w.shape[1] == c / group else {
      throw TensorError("Conv: X \(x.shape), W \(w.shape) and group \(group) are inconsistent")
    }
    if let bias, bias.count != m { throw TensorError("Conv: bias has \(bias.count) values for \(m) output channels") }
    let g = try SpatialGeometry(
      op: "Conv", input: Array(x.shape[2...]), kernel: Array(w.shape[2...]), strides: strides, dilations: dilations,
      pads: pads, autoPad: autoPad)
    if group == c && m == c && c > 1 {
      return try depthwiseConv(x, weight: w, bias: bias, geometry: g, relu: relu)
    }
    let plan = ConvPlan(batch: n, channels: c, outputs: m, group: group, geometry: g, relu: relu)
    var y = Tensor(uninitialized: .float32, shape: [n, m, g.output[0], g.output[1]])
    let biasValues = bias?.floats() ?? []
    x.withUnsafeBufferPointer(as: Float.self) { px in
      w.withUnsafeBufferPointer(as: Float.self) { pw in
        y.withUnsafeMutableBufferPointer(as: Float.self) { py in
          biasValues.withUnsafeBufferPointer { pb in
            guard let xb = px.baseAddress, let wb = pw.baseAddress, let yb = py.baseAddress, plan.outHW > 0 else {
              return
            }
            plan.run(x: xb, weight: wb, bias: bias == nil ? nil : pb.baseAddress, y: yb)
          }
        }
      }
    }
    return y
  }
}

/// Unfolds rows `rows` of one image group `[C, H, W]` into the `[C·kh·kw, outH·outW]` column matrix
/// (zeros for padding) whose rows are `rowStride` floats apart.
func im2col(
  _ x: UnsafePointer<Float>, geometry g: SpatialGeometry, rows: Range<Int>, into col: UnsafeMutablePointer<Float>,
  rowStride: Int
) {
  let (inH, inW, outH, outW) = (g.input[0], g.input[1], g.output[0], g.output[1])
  let (kh, kw) = (g.kernel[0], g.kernel[1])
  let (sh, sw, dh, dw) = (g.strides[0], g.strides[1], g.dilations[0], g.dilations[1])
  let (pt, pl) = (g.padBegin[0], g.padBegin[1])
  // Stride 1 with equal input and output widths ("same" padding): a column row is the plane shifted by a
  // constant, so its valid part is one contiguous copy followed by zeroing the border rows and columns.
  let shifted = sh == 1 && sw == 1 && inW == outW
  for row in rows {
    let kj = row % kw
    let ki = (row / kw) % kh
    let ch = row / (kw * kh)
    let plane = x + ch * inH * inW
    let out = col + row * rowStride
    // Output columns whose input column lies inside the image: ow in [owLow, owHigh).
    let offset = kj * dw - pl
    let owLow = Swift.min(outW, Swift.max(0, (-offset + sw - 1) / sw))
    let owHigh = Swift.max(owLow, Swift.min(outW, (inW - offset + sw - 1) / sw))
    if shifted {
      unfoldShifted(
        plane, rowBase: ki * dh - pt, offset: offset, columns: owLow..<owHigh, inH: inH, outH: outH, width: outW,
        into: out)
      continue
    }
    var target = out
    for oh in 0..<outH {
      let ih = oh * sh - pt + ki * dh
      if ih < 0 || ih >= inH {
        target.update(repeating: 0, count: outW)
      } else {
        let source = plane + ih * inW + offset
        for ow in 0..<owLow { target[ow] = 0 }
        if sw == 1 && owHigh - owLow >= 64 {
          (target + owLow).update(from: source + owLow, count: owHigh - owLow)
        } else if sw == 1 {
          for ow in owLow..<owHigh { target[ow] = source[ow] }
        } else {
          for ow in owLow..<owHigh { target[ow] = source[ow * sw] }
        }
        for ow in owHigh..<outW { target[ow] = 0 }
      }
      target += outW
    }
  }
}

/// One im2col row for stride 1 and `inW == outW`: `out[oh·width + ow] = plane[(oh + rowBase)·width + ow + offset]`
/// where that input lies inside the `[inH, width]` plane and `ow` is in `columns`, zero elsewhere.
@inline(__always)
func unfoldShifted(
  _ plane: UnsafePointer<Float>, rowBase: Int, offset: Int, columns: Range<Int>, inH: Int, outH: Int, width: Int,
  into out: UnsafeMutablePointer<Float>
) {
  let ohLow = Swift.min(outH, Swift.max(0, -rowBase))
  let ohHigh = Swift.max(ohLow, Swift.min(outH, inH - rowBase))
  if ohHigh == ohLow || columns.isEmpty {
    out.update(repeating: 0, count: outH * width)
    return
  }
  out.update(repeating: 0, count: ohLow * width + columns.lowerBound)
  let start = ohLow * width + columns.lowerBound
  let end = (ohHigh - 1) * width + columns.upperBound
  let source = plane + (ohLow + rowBase) * width + offset + columns.lowerBound
  let target = out + start
  let count = end - start
  if count >= 64 {
    target.update(from: source, count: count)
  } else {
    for i in 0..<count { target[i] = source[i] }
  }
  // The copy ran across row ends; put the border columns of the copied rows back to zero.
  if columns.lowerBound > 0 || columns.upperBound < width {
    for oh in ohLow..<ohHigh {
      let r = out + oh * width
      for ow in 0..<columns.lowerBound { r[ow] = 0 }
      for ow in columns.upperBound..<width { r[ow] = 0 }
    }
  }
  (out + end).update(repeating: 0, count: outH * width - end)
}
