/// im2col for narrow images (output rows of at most `SmallImageUnfold.maxWidth` floats), where per-row bounds
/// checks, zero fills and copy calls cost more than the data: each input plane is first copied into a zero-padded
/// scratch plane, after which every column row is `outH` branch-free short copies with no zeroing at all.
enum SmallImageUnfold {
  /// Output widths up to which this path is taken.
  static let maxWidth = 32

  /// The padded plane's `(height, width)` for geometry `g`: the input plus both pads, and at least the extent
  /// the last window reaches, so no read leaves the scratch plane.
  static func paddedSize(_ g: SpatialGeometry) -> (height: Int, width: Int) {
    let reachH = (g.output[0] - 1) * g.strides[0] + (g.kernel[0] - 1) * g.dilations[0] + 1
    let reachW = (g.output[1] - 1) * g.strides[1] + (g.kernel[1] - 1) * g.dilations[1] + 1
    return (Swift.max(g.padBegin[0] + g.input[0], reachH), Swift.max(g.padBegin[1] + g.input[1], reachW))
  }

  /// Unfolds channels `channels` of one image group `[C, H, W]` into the column matrix (row
  /// `ch·kh·kw + ki·kw + kj`, rows `rowStride` floats apart). `scratch` holds `paddedSize` floats.
  static func unfold(
    _ x: UnsafePointer<Float>, geometry g: SpatialGeometry, channels: Range<Int>,
    scratch: UnsafeMutablePointer<Float>, into col: UnsafeMutablePointer<Float>, rowStride: Int
  ) {
    let (inH, inW, outH, outW) = (g.input[0], g.input[1], g.output[0], g.output[1])
    let (kh, kw) = (g.kernel[0], g.kernel[1])
    let (sh, sw, dh, dw) = (g.strides[0], g.strides[1], g.dilations[0], g.dilations[1])
    let (pt, pl) = (g.padBegin[0], g.padBegin[1])
    let (ph, pw) = paddedSize(g)
    scratch.update(repeating: 0, count: ph * pw)
    for ch in channels {
      let plane = x + ch * inH * inW
      for ih in 0..<inH { copy(plane + ih * inW, to: scratch + (ih + pt) * pw + pl, count: inW) }
      for ki in 0..<kh {
        for kj in 0..<kw {
          var target = col + (ch * kh * kw + ki * kw + kj) * rowStride
          var source = UnsafePointer(scratch + ki * dh * pw + kj * dw)
          for _ in 0..<outH {
            if sw == 1 {
              copy(source, to: target, count: outW)
            } else {
              for ow in 0..<outW { target[ow] = source[ow * sw] }
            }
            target += outW
            source += sh * pw
          }
        }
      }
    }
  }

  /// Copies `count` floats in SIMD chunks of 8 and 4, then singly.
  @inline(__always)
  static func copy(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
    let (from, to) = (UnsafeRawPointer(source), UnsafeMutableRawPointer(target))
    var i = 0
    while i + 8 <= count {
      let v = from.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
      to.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
      i += 8
    }
    if i + 4 <= count {
      let v = from.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self)
      to.storeBytes(of: v, toByteOffset: i * 4, as: SIMD4<Float>.self)
      i += 4
    }
    while i < count {
      target[i] = source[i]
      i += 1
    }
  }
}
