import COpenBLAS

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Tensor {
  /// ONNX `Conv` over 1-D or 2-D spatial axes: `X [N, C, *spatial]`, `W [M, C/group, *kernel]`, optional
  /// bias `B [M]`. Lowered to im2col + `cblas_sgemm` per image and group (1×1 stride-1 unpadded kernels
  /// skip im2col). Attributes as in ONNX; absent lists default to 1s (strides, dilations) and 0s (pads).
  public static func conv(
    _ x: Tensor, weight w: Tensor, bias: Tensor? = nil, strides: [Int]? = nil, pads: [Int]? = nil,
    dilations: [Int]? = nil, group: Int = 1, autoPad: AutoPad = .notSet
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
        dilations: dilations.map { [1] + $0 }, group: group, autoPad: autoPad)
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
    let (inH, inW, outH, outW) = (g.input[0], g.input[1], g.output[0], g.output[1])
    let cg = c / group
    let mg = m / group
    let kSize = cg * g.kernel[0] * g.kernel[1]
    let outHW = outH * outW
    var y = Tensor(zeros: .float32, shape: [n, m, outH, outW])
    let pointwise = g.kernel == [1, 1] && g.strides == [1, 1] && g.padBegin == [0, 0] && g.padEnd == [0, 0]
    var column = [Float](repeating: 0, count: pointwise ? 0 : kSize * outHW)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      w.withUnsafeBufferPointer(as: Float.self) { pw in
        y.withUnsafeMutableBufferPointer(as: Float.self) { py in
          column.withUnsafeMutableBufferPointer { pc in
            guard let xb = px.baseAddress, let wb = pw.baseAddress, let yb = py.baseAddress, outHW > 0 else { return }
            for image in 0..<n {
              for gi in 0..<group {
                let xg = xb + (image * c + gi * cg) * inH * inW
                let source: UnsafePointer<Float>
                if pointwise {
                  source = xg
                } else {
                  im2col(xg, channels: cg, geometry: g, into: pc.baseAddress!)
                  source = UnsafePointer(pc.baseAddress!)
                }
                sgemm(
                  transA: false, transB: false, m: mg, n: outHW, k: kSize, alpha: 1, a: wb + gi * mg * kSize,
                  lda: kSize,
                  b: source, ldb: outHW, beta: 0, c: yb + (image * m + gi * mg) * outHW, ldc: outHW)
              }
            }
          }
          if let bias { addChannelBias(bias, to: py.baseAddress!, batch: n, channels: m, plane: outHW) }
        }
      }
    }
    return y
  }

  /// Adds `bias[c]` to every element of channel `c` of an `[N, C, plane]` buffer.
  static func addChannelBias(_ bias: Tensor, to y: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int) {
    bias.withUnsafeBufferPointer(as: Float.self) { pb in
      for image in 0..<batch {
        for ch in 0..<channels {
          let b = pb[ch]
          let row = y + (image * channels + ch) * plane
          for i in 0..<plane { row[i] += b }
        }
      }
    }
  }
}

/// Unfolds one image group `[C, H, W]` into the `[C·kh·kw, outH·outW]` column matrix (zeros for padding).
/// Rows are filled in parallel; each row is written by one worker.
func im2col(
  _ x: UnsafePointer<Float>, channels: Int, geometry g: SpatialGeometry, into col: UnsafeMutablePointer<Float>
) {
  let (inH, inW, outH, outW) = (g.input[0], g.input[1], g.output[0], g.output[1])
  let (kh, kw) = (g.kernel[0], g.kernel[1])
  let (sh, sw, dh, dw) = (g.strides[0], g.strides[1], g.dilations[0], g.dilations[1])
  let (pt, pl) = (g.padBegin[0], g.padBegin[1])
  let rows = channels * kh * kw
  parallelFor(rows, grain: Swift.max(1, (1 << 14) / Swift.max(outH * outW, 1))) { range in
    for row in range {
      let kj = row % kw
      let ki = (row / kw) % kh
      let ch = row / (kw * kh)
      let plane = x + ch * inH * inW
      var out = col + row * outH * outW
      // Output columns whose input column lies inside the image: ow in [owLow, owHigh).
      let offset = kj * dw - pl
      let owLow = Swift.min(outW, Swift.max(0, (-offset + sw - 1) / sw))
      let owHigh = Swift.max(owLow, Swift.min(outW, (inW - offset + sw - 1) / sw))
      for oh in 0..<outH {
        let ih = oh * sh - pt + ki * dh
        if ih < 0 || ih >= inH {
          out.update(repeating: 0, count: outW)
        } else {
          let source = plane + ih * inW + offset
          for ow in 0..<owLow { out[ow] = 0 }
          if sw == 1 {
            (out + owLow).update(from: source + owLow, count: owHigh - owLow)
          } else {
            for ow in owLow..<owHigh { out[ow] = source[ow * sw] }
          }
          for ow in owHigh..<outW { out[ow] = 0 }
        }
        out += outW
      }
    }
  }
}
