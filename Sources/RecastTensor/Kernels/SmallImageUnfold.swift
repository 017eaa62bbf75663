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

  /// Unfolds channels `channels` of `images` consecutive image groups `[C, H, W]` (`imageStride` floats apart in
  /// `x`) into the column matrix: row `ch·kh·kw + ki·kw + kj`, rows `rowStride` floats apart, image `i` in
  /// columns `i·outH·outW ..< (i+1)·outH·outW`. `scratch` holds `images · paddedSize` floats: one padded plane
  /// per image, so each column row is written in one pass over the images.
  static func unfold(
    _ x: UnsafePointer<Float>, images: Int = 1, imageStride: Int = 0, geometry g: SpatialGeometry,
    channels: Range<Int>, scratch: UnsafeMutablePointer<Float>, into col: UnsafeMutablePointer<Float>, rowStride: Int
  ) {
    let (inH, inW, outH, outW) = (g.input[0], g.input[1], g.output[0], g.output[1])
    let (kh, kw) = (g.kernel[0], g.kernel[1])
    let (sh, sw, dh, dw) = (g.strides[0], g.strides[1], g.dilations[0], g.dilations[1])
    let (pt, pl) = (g.padBegin[0], g.padBegin[1])
    let (ph, pw) = paddedSize(g)
    let (padded, outHW) = (ph * pw, outH * outW)
    scratch.update(repeating: 0, count: images * padded)
    for ch in channels {
      copyPlanes(
        x + ch * inH * inW, planeStride: imageStride, rowStride: inW, to: scratch + pt * pw + pl,
        targetPlaneStride: padded, targetRowStride: pw, planes: images, rows: inH, width: inW)
      for ki in 0..<kh {
        for kj in 0..<kw {
          let target = col + (ch * kh * kw + ki * kw + kj) * rowStride
          let source = UnsafePointer(scratch + ki * dh * pw + kj * dw)
          if sw == 1 {
            copyPlanes(
              source, planeStride: padded, rowStride: sh * pw, to: target, targetPlaneStride: outHW,
              targetRowStride: outW, planes: images, rows: outH, width: outW)
          } else {
            for i in 0..<images {
              let (from, to) = (source + i &* padded, target + i &* outHW)
              for oh in 0..<outH {
                let (rowFrom, rowTo) = (from + oh &* sh &* pw, to + oh &* outW)
                for ow in 0..<outW { rowTo[ow] = rowFrom[ow &* sw] }
              }
            }
          }
        }
      }
    }
  }

  /// Copies `planes` blocks of `rows` rows of `width` floats: source rows `rowStride` floats apart and blocks
  /// `planeStride` apart, target rows `targetRowStride` apart and blocks `targetPlaneStride` apart. Kept out of
  /// line so that its loops get the registers to themselves; rows of 8 and 4 floats (8×8 and 4×4 images, the
  /// common narrow ones) are one SIMD load and store each.
  @inline(never)
  static func copyPlanes(
    _ source: UnsafePointer<Float>, planeStride: Int, rowStride: Int, to target: UnsafeMutablePointer<Float>,
    targetPlaneStride: Int, targetRowStride: Int, planes: Int, rows: Int, width: Int
  ) {
    let (from, to) = (UnsafeRawPointer(source), UnsafeMutableRawPointer(target))
    let (planeBytes, rowBytes) = (planeStride &* 4, rowStride &* 4)
    let (targetPlaneBytes, targetRowBytes) = (targetPlaneStride &* 4, targetRowStride &* 4)
    switch width {
    case 8:
      for p in 0..<planes {
        var (input, output) = (p &* planeBytes, p &* targetPlaneBytes)
        for _ in 0..<rows {
          let v = from.loadUnaligned(fromByteOffset: input, as: SIMD8<Float>.self)
          to.storeBytes(of: v, toByteOffset: output, as: SIMD8<Float>.self)
          input &+= rowBytes
          output &+= targetRowBytes
        }
      }
    case 4:
      for p in 0..<planes {
        var (input, output) = (p &* planeBytes, p &* targetPlaneBytes)
        for _ in 0..<rows {
          let v = from.loadUnaligned(fromByteOffset: input, as: SIMD4<Float>.self)
          to.storeBytes(of: v, toByteOffset: output, as: SIMD4<Float>.self)
          input &+= rowBytes
          output &+= targetRowBytes
        }
      }
    default:
      for p in 0..<planes {
        for r in 0..<rows {
          copy(
            source + (p &* planeStride &+ r &* rowStride),
            to: target + (p &* targetPlaneStride &+ r &* targetRowStride), count: width)
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
