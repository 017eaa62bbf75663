import COpenBLAS

extension Tensor {
  /// ONNX `ConvTranspose` over 1-D or 2-D spatial axes: `X [N, C, *spatial]`, `W [C, M/group, *kernel]`,
  /// optional bias `B [M]`. Computed as `Wᵀ · X` with `cblas_sgemm` per image and group, then col2im.
  /// Output size per axis: `stride·(in−1) + output_padding + (k−1)·dilation + 1 − pad_begin − pad_end`;
  /// with `outputShape` (or SAME auto_pad, which targets `in·stride`) the pads come from the total padding as
  /// ONNX specifies: SAME_UPPER puts `total/2` at the beginning, otherwise the beginning gets `total − total/2`.
  public static func convTranspose(
    _ x: Tensor, weight w: Tensor, bias: Tensor? = nil, strides: [Int]? = nil, pads: [Int]? = nil,
    dilations: [Int]? = nil, group: Int = 1, autoPad: AutoPad = .notSet, outputPadding: [Int]? = nil,
    outputShape: [Int]? = nil
  ) throws(TensorError) -> Tensor {
    guard x.dtype == .float32, w.dtype == .float32, bias?.dtype ?? .float32 == .float32 else {
      throw TensorError("ConvTranspose: operands must be float32")
    }
    guard x.rank == 3 || x.rank == 4, w.rank == x.rank else {
      throw TensorError("ConvTranspose: only 1-D and 2-D are supported (X \(x.shape), W \(w.shape))")
    }
    if x.rank == 3 {
      let y = try convTranspose(
        x.reshaped([x.shape[0], x.shape[1], 1, x.shape[2]]),
        weight: w.reshaped([w.shape[0], w.shape[1], 1, w.shape[2]]),
        bias: bias, strides: strides.map { [1] + $0 }, pads: pads.map { [0, $0[0], 0, $0[1]] },
        dilations: dilations.map { [1] + $0 }, group: group, autoPad: autoPad,
        outputPadding: outputPadding.map { [0] + $0 },
        outputShape: outputShape.map { [1] + Array($0.suffix(1)) })
      return y.reshaped([y.shape[0], y.shape[1], y.shape[3]])
    }
    let (n, c) = (x.shape[0], x.shape[1])
    guard group > 0, c % group == 0, w.shape[0] == c else {
      throw TensorError("ConvTranspose: X \(x.shape), W \(w.shape) and group \(group) are inconsistent")
    }
    let mg = w.shape[1]
    let m = mg * group
    if let bias, bias.count != m { throw TensorError("ConvTranspose: bias has \(bias.count) values for \(m) channels") }
    let input = Array(x.shape[2...])
    let kernel = Array(w.shape[2...])
    let strides = strides ?? [1, 1]
    let dilations = dilations ?? [1, 1]
    let (padBegin, _, output) = try convTransposePads(
      input: input, kernel: kernel, strides: strides, dilations: dilations, pads: pads, autoPad: autoPad,
      outputPadding: outputPadding, outputShape: outputShape)
    let cg = c / group
    let inHW = input[0] * input[1]
    let outHW = output[0] * output[1]
    let rows = mg * kernel[0] * kernel[1]
    var y = Tensor(zeros: .float32, shape: [n, m, output[0], output[1]])
    let geometry = (input: input, kernel: kernel, strides: strides, dilations: dilations, padBegin: padBegin)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      w.withUnsafeBufferPointer(as: Float.self) { pw in
        y.withUnsafeMutableBufferPointer(as: Float.self) { py in
          guard let xb = px.baseAddress, let wb = pw.baseAddress, let yb = py.baseAddress, inHW > 0, outHW > 0
          else { return }
          // col [mg·kh·kw, inHW] = W_gᵀ [mg·kh·kw, cg] · X_g [cg, inHW], then col2im onto the image's planes.
          let image = { (image: Int, col: UnsafeMutablePointer<Float>, threaded: Bool) in
            for gi in 0..<group {
              sgemm(
                transA: true, transB: false, m: rows, n: inHW, k: cg, alpha: 1, a: wb + gi * cg * rows, lda: rows,
                b: xb + (image * c + gi * cg) * inHW, ldb: inHW, beta: 0, c: col, ldc: inHW, threaded: threaded)
              col2im(
                col, channels: mg, input: geometry.input, kernel: geometry.kernel, strides: geometry.strides,
                dilations: geometry.dilations, padBegin: geometry.padBegin, output: output,
                into: yb + (image * m + gi * mg) * outHW, threaded: threaded)
            }
          }
          if inHW >= ConvPlan.largePlane || n == 1 {
            // Large images: one at a time, the GEMM and col2im split over threads.
            let col = UnsafeMutablePointer<Float>.allocate(capacity: rows * inHW)
            defer { col.deallocate() }
            for index in 0..<n { image(index, col, true) }
          } else {
            // Small images: each image start to finish on one thread (it writes only its own planes).
            let work = group * rows * inHW * Swift.max(cg, 1)
            parallelFor(n, grain: Swift.max(1, ConvPlan.minimumChunkWork / Swift.max(work, 1))) { range in
              let col = UnsafeMutablePointer<Float>.allocate(capacity: rows * inHW)
              defer { col.deallocate() }
              for index in range { image(index, col, false) }
            }
          }
          if let bias { addChannelBias(bias, to: yb, batch: n, channels: m, plane: outHW) }
        }
      }
    }
    return y
  }
}

/// Scatters a `[C·kh·kw, inH·inW]` column matrix back onto `[C, outH, outW]`, adding overlapping taps in tap
/// order. With `threaded`, channels run in parallel; each output channel is written by one worker, in the same order.
func col2im(
  _ col: UnsafePointer<Float>, channels: Int, input: [Int], kernel: [Int], strides: [Int], dilations: [Int],
  padBegin: [Int], output: [Int], into y: UnsafeMutablePointer<Float>, threaded: Bool = true
) {
  let (inH, inW, outH, outW) = (input[0], input[1], output[0], output[1])
  let (kh, kw, sh, sw, dh, dw) = (kernel[0], kernel[1], strides[0], strides[1], dilations[0], dilations[1])
  let (pt, pl) = (padBegin[0], padBegin[1])
  let body = { (range: Range<Int>) in
    for ch in range {
      let plane = y + ch * outH * outW
      for ki in 0..<kh {
        // Input rows whose output row `ih·sh − pt + ki·dh` lies inside: ih in [ihLow, ihHigh).
        let rowOffset = ki * dh - pt
        let ihLow = Swift.min(inH, Swift.max(0, (-rowOffset + sh - 1) / sh))
        let ihHigh = Swift.max(ihLow, Swift.min(inH, (outH - rowOffset + sh - 1) / sh))
        for kj in 0..<kw {
          let offset = kj * dw - pl
          let iwLow = Swift.min(inW, Swift.max(0, (-offset + sw - 1) / sw))
          let iwHigh = Swift.max(iwLow, Swift.min(inW, (outW - offset + sw - 1) / sw))
          let taps = col + ((ch * kh + ki) * kw + kj) * inH * inW
          for ih in ihLow..<ihHigh {
            let source = taps + ih * inW
            let row = plane + (ih * sh + rowOffset) * outW + offset
            if sw == 1 {
              for iw in iwLow..<iwHigh { row[iw] += source[iw] }
            } else {
              for iw in iwLow..<iwHigh { row[iw * sw] += source[iw] }
            }
          }
        }
      }
    }
  }
  if threaded {
    parallelFor(channels, grain: Swift.max(1, (1 << 14) / Swift.max(kh * kw * inH * inW, 1)), body)
  } else {
    body(0..<channels)
  }
}

extension Tensor {
  /// The begin and end pads and the output size of a 2-D `ConvTranspose` (see `convTranspose`): explicit pads, or
  /// with `outputShape` (or SAME auto_pad, which targets `in·stride`) the total padding split as ONNX specifies.
  static func convTransposePads(
    input: [Int], kernel: [Int], strides: [Int], dilations: [Int], pads: [Int]?, autoPad: AutoPad,
    outputPadding: [Int]?, outputShape: [Int]?
  ) throws(TensorError) -> (begin: [Int], end: [Int], output: [Int]) {
    let outputPadding = outputPadding ?? [0, 0]
    var padBegin = Array((pads ?? [0, 0, 0, 0])[..<2])
    var padEnd = Array((pads ?? [0, 0, 0, 0])[2...])
    var output = [0, 0]
    let explicitShape =
      outputShape.map { Array($0.suffix(2)) }
      ?? (autoPad == .sameUpper || autoPad == .sameLower ? [input[0] * strides[0], input[1] * strides[1]] : nil)
    for i in 0..<2 {
      let full = strides[i] * (input[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1
      if let explicitShape {
        let total = full - explicitShape[i]
        padBegin[i] = autoPad == .sameUpper ? total / 2 : total - total / 2
        padEnd[i] = total - padBegin[i]
        output[i] = explicitShape[i]
      } else {
        if autoPad == .valid {
          padBegin[i] = 0
          padEnd[i] = 0
        }
        output[i] = full - padBegin[i] - padEnd[i]
      }
      guard output[i] >= 0 else { throw TensorError("ConvTranspose: negative output size") }
    }
    return (padBegin, padEnd, output)
  }
}
