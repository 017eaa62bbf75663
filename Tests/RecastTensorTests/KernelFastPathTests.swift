import Foundation
import Testing

@testable import RecastTensor

/// The Conv, depthwise Conv and pooling fast paths against direct reference loops on random inputs.
@Suite struct KernelFastPathTests {
  /// Deterministic pseudo-random floats in [−1, 1).
  static func random(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(Double(state >> 40) / Double(1 << 24)) * 2 - 1
    }
  }

  struct ConvCase: CustomStringConvertible, Sendable {
    var n, c, h, w, m, k, stride, pad, dilation, group: Int
    var description: String { "n\(n) c\(c) \(h)x\(w) m\(m) k\(k) s\(stride) p\(pad) d\(dilation) g\(group)" }
  }

  static let convCases: [ConvCase] = [
    ConvCase(n: 1, c: 1, h: 8, w: 8, m: 4, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    ConvCase(n: 32, c: 3, h: 8, w: 8, m: 5, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    ConvCase(n: 7, c: 4, h: 5, w: 6, m: 6, k: 1, stride: 1, pad: 0, dilation: 1, group: 1),
    ConvCase(n: 3, c: 4, h: 9, w: 7, m: 6, k: 1, stride: 2, pad: 0, dilation: 1, group: 2),
    ConvCase(n: 5, c: 6, h: 11, w: 10, m: 4, k: 3, stride: 2, pad: 1, dilation: 2, group: 2),
    ConvCase(n: 2, c: 2, h: 70, w: 66, m: 3, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    ConvCase(n: 2, c: 3, h: 64, w: 64, m: 8, k: 1, stride: 1, pad: 0, dilation: 1, group: 1),
    ConvCase(n: 3, c: 5, h: 9, w: 8, m: 5, k: 3, stride: 1, pad: 1, dilation: 1, group: 5),
    ConvCase(n: 2, c: 4, h: 12, w: 13, m: 4, k: 5, stride: 2, pad: 2, dilation: 1, group: 4),
    ConvCase(n: 1, c: 3, h: 10, w: 9, m: 3, k: 3, stride: 3, pad: 0, dilation: 2, group: 3),
    // Stride 1, "same" widths: the shifted im2col (borders wider than one column, dilated taps, wide rows).
    ConvCase(n: 4, c: 2, h: 4, w: 4, m: 3, k: 5, stride: 1, pad: 2, dilation: 1, group: 1),
    ConvCase(n: 3, c: 2, h: 6, w: 7, m: 4, k: 3, stride: 1, pad: 2, dilation: 2, group: 1),
    ConvCase(n: 2, c: 3, h: 2, w: 2, m: 2, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    ConvCase(n: 1, c: 2, h: 5, w: 40, m: 3, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    // Output rows wider than SmallImageUnfold.maxWidth with stride 2: the general im2col.
    ConvCase(n: 2, c: 2, h: 9, w: 75, m: 3, k: 3, stride: 2, pad: 1, dilation: 1, group: 1),
    // Narrow output, wide window reach: the padded scratch plane must cover the last window.
    ConvCase(n: 3, c: 2, h: 6, w: 5, m: 2, k: 4, stride: 3, pad: 2, dilation: 1, group: 1),
  ]

  /// Batches that `ConvPlan` cuts into image chunks (unfold, GEMM and scatter per chunk on one thread).
  static let chunkedCases: [ConvCase] = [
    // digits_cnn_bn's second layer, smaller batch: 8×8, 3×3, two chunks of six images.
    ConvCase(n: 12, c: 16, h: 8, w: 8, m: 24, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    // Groups on a non-square image, odd batch (chunks of four and five images).
    ConvCase(n: 9, c: 32, h: 6, w: 7, m: 64, k: 3, stride: 1, pad: 1, dilation: 1, group: 2),
    // Stride 2 with dilation 2: strided copies out of the padded planes.
    ConvCase(n: 5, c: 24, h: 11, w: 10, m: 40, k: 3, stride: 2, pad: 1, dilation: 2, group: 1),
    // Output rows wider than SmallImageUnfold.maxWidth: the general im2col per image.
    ConvCase(n: 4, c: 8, h: 3, w: 40, m: 16, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    // One image per chunk (its column matrix alone exceeds the budget): the GEMM writes the output directly.
    ConvCase(n: 3, c: 64, h: 12, w: 12, m: 8, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    // 1×1, one image per chunk: the GEMM reads the input planes without im2col.
    ConvCase(n: 2, c: 32, h: 48, w: 48, m: 8, k: 1, stride: 1, pad: 0, dilation: 1, group: 1),
    // 1×1 on 4×4 planes, 4-wide rows.
    ConvCase(n: 16, c: 64, h: 4, w: 4, m: 64, k: 1, stride: 1, pad: 0, dilation: 1, group: 1),
    // 5×5 with padding 2 on 4×4 planes: windows reaching past both borders.
    ConvCase(n: 6, c: 32, h: 4, w: 4, m: 48, k: 5, stride: 1, pad: 2, dilation: 1, group: 1),
    // 3×3 planes, too narrow for a GEMM each: one GEMM per chunk and a scatter.
    ConvCase(n: 20, c: 32, h: 3, w: 3, m: 64, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
  ]

  static func plan(_ t: ConvCase) throws -> ConvPlan {
    let p = [t.pad, t.pad, t.pad, t.pad]
    let g = try SpatialGeometry(
      op: "Conv", input: [t.h, t.w], kernel: [t.k, t.k], strides: [t.stride, t.stride],
      dilations: [t.dilation, t.dilation], pads: p, autoPad: .notSet)
    return ConvPlan(batch: t.n, channels: t.c, outputs: t.m, group: t.group, geometry: g)
  }

  @Test func chunkedCasesTakeTheChunkedPath() throws {
    for t in Self.chunkedCases {
      let plan = try Self.plan(t)
      #expect(plan.chunks > 1, "\(t) runs as \(plan.chunks) chunk")
      // Every image in exactly one chunk, in order.
      #expect((0..<plan.chunks).flatMap { Array(plan.chunk($0)) } == Array(0..<t.n), "\(t)")
    }
    #expect(try Self.plan(Self.chunkedCases[0]).perImageGemm)
    #expect(try !Self.plan(Self.chunkedCases[8]).perImageGemm)
    // A batch of one, and a batch too small to be worth splitting, keep the one-GEMM paths.
    #expect(try Self.plan(Self.convCases[0]).chunks == 1)
    #expect(try Self.plan(Self.convCases[2]).chunks == 1)
  }

  /// Direct convolution in Double.
  static func referenceConv(_ t: ConvCase, _ x: [Float], _ wt: [Float], _ b: [Float]) -> (shape: [Int], [Float]) {
    let span = (t.k - 1) * t.dilation + 1
    let oh = (t.h + 2 * t.pad - span) / t.stride + 1
    let ow = (t.w + 2 * t.pad - span) / t.stride + 1
    let (cg, mg) = (t.c / t.group, t.m / t.group)
    var y = [Float](repeating: 0, count: t.n * t.m * oh * ow)
    for n in 0..<t.n {
      for m in 0..<t.m {
        let gi = m / mg
        for i in 0..<oh {
          for j in 0..<ow {
            var s = Double(b[m])
            for ci in 0..<cg {
              for ki in 0..<t.k {
                for kj in 0..<t.k {
                  let ih = i * t.stride - t.pad + ki * t.dilation
                  let iw = j * t.stride - t.pad + kj * t.dilation
                  if ih < 0 || ih >= t.h || iw < 0 || iw >= t.w { continue }
                  let xv = x[((n * t.c + gi * cg + ci) * t.h + ih) * t.w + iw]
                  s += Double(xv) * Double(wt[((m * cg + ci) * t.k + ki) * t.k + kj])
                }
              }
            }
            y[((n * t.m + m) * oh + i) * ow + j] = Float(s)
          }
        }
      }
    }
    return ([t.n, t.m, oh, ow], y)
  }

  @Test(arguments: convCases + chunkedCases)
  func convMatchesDirectLoops(_ t: ConvCase) throws {
    let x = Self.random(t.n * t.c * t.h * t.w, seed: 1)
    let wt = Self.random(t.m * (t.c / t.group) * t.k * t.k, seed: 2)
    let b = Self.random(t.m, seed: 3)
    let (shape, expected) = Self.referenceConv(t, x, wt, b)
    let run = {
      try Tensor.conv(
        Tensor(shape: [t.n, t.c, t.h, t.w], floats: x),
        weight: Tensor(shape: [t.m, t.c / t.group, t.k, t.k], floats: wt),
        bias: Tensor(shape: [t.m], floats: b), strides: [t.stride, t.stride], pads: [t.pad, t.pad, t.pad, t.pad],
        dilations: [t.dilation, t.dilation], group: t.group)
    }
    let y = try run()
    #expect(y.shape == shape)
    let worst = zip(y.floats(), expected).map { abs($0 - $1) }.max() ?? 0
    #expect(worst < 1e-4, "\(t): max error \(worst)")
    #expect(try run() == y, "\(t): not deterministic")
  }

  @Test func convWithoutBias() throws {
    let x = Tensor(shape: [4, 2, 6, 6], floats: Self.random(288, seed: 4))
    let w = Tensor(shape: [3, 2, 3, 3], floats: Self.random(54, seed: 5))
    let zero = Tensor(zeros: .float32, shape: [3])
    let a = try Tensor.conv(x, weight: w, pads: [1, 1, 1, 1])
    let b = try Tensor.conv(x, weight: w, bias: zero, pads: [1, 1, 1, 1])
    #expect(a == b)
  }

  /// The fused ReLU equals a separate clamp on every path: batched GEMM, per-image GEMM, 1×1, depthwise, chunked
  /// (a GEMM per image, one image, a 1×1 kernel, a GEMM per chunk).
  @Test(arguments: [0, 1, 2, 6, 7, 16, 20, 21, 22, 24])
  func convReluMatchesClampedConv(_ index: Int) throws {
    let t = (Self.convCases + Self.chunkedCases)[index]
    let x = Tensor(shape: [t.n, t.c, t.h, t.w], floats: Self.random(t.n * t.c * t.h * t.w, seed: 6))
    let taps = t.m * (t.c / t.group) * t.k * t.k
    let w = Tensor(shape: [t.m, t.c / t.group, t.k, t.k], floats: Self.random(taps, seed: 7))
    for bias in [nil, Tensor(shape: [t.m], floats: Self.random(t.m, seed: 8))] {
      let conv = { (relu: Bool) in
        try Tensor.conv(
          x, weight: w, bias: bias, strides: [t.stride, t.stride], pads: [t.pad, t.pad, t.pad, t.pad],
          dilations: [t.dilation, t.dilation], group: t.group, relu: relu)
      }
      let fused = try conv(true)
      #expect(fused.floats() == (try conv(false)).floats().map { max($0, 0) }, "\(t) bias \(bias != nil)")
    }
  }

  struct PoolCase: CustomStringConvertible, Sendable {
    var h, w, k, stride, pad, dilation: Int
    var ceil: Bool
    var description: String { "\(h)x\(w) k\(k) s\(stride) p\(pad) d\(dilation) ceil \(ceil)" }
  }

  static let poolCases: [PoolCase] = [
    PoolCase(h: 8, w: 8, k: 2, stride: 2, pad: 0, dilation: 1, ceil: false),
    PoolCase(h: 9, w: 7, k: 2, stride: 2, pad: 0, dilation: 1, ceil: true),
    PoolCase(h: 112, w: 112, k: 3, stride: 2, pad: 1, dilation: 1, ceil: false),
    PoolCase(h: 13, w: 14, k: 3, stride: 2, pad: 1, dilation: 1, ceil: true),
    PoolCase(h: 10, w: 11, k: 3, stride: 1, pad: 1, dilation: 1, ceil: false),
    PoolCase(h: 12, w: 12, k: 3, stride: 2, pad: 2, dilation: 2, ceil: false),
    PoolCase(h: 7, w: 9, k: 4, stride: 3, pad: 1, dilation: 1, ceil: true),
    PoolCase(h: 3, w: 4, k: 3, stride: 1, pad: 2, dilation: 1, ceil: false),
  ]

  /// Direct pooling: max, mean over in-input taps, mean over padded-extent taps.
  static func referencePool(_ t: PoolCase, _ x: [Float], planes: Int, max: Bool, includePad: Bool) -> [Float] {
    let g = try! SpatialGeometry(
      op: "Pool", input: [t.h, t.w], kernel: [t.k, t.k], strides: [t.stride, t.stride],
      dilations: [t.dilation, t.dilation], pads: [t.pad, t.pad, t.pad, t.pad], autoPad: .notSet, ceilMode: t.ceil)
    let (oh, ow) = (g.output[0], g.output[1])
    var y = [Float]()
    for p in 0..<planes {
      for i in 0..<oh {
        for j in 0..<ow {
          var best = -Float.infinity
          var sum: Float = 0
          var (inside, padded) = (0, 0)
          for ki in 0..<t.k {
            for kj in 0..<t.k {
              let ih = i * t.stride - t.pad + ki * t.dilation
              let iw = j * t.stride - t.pad + kj * t.dilation
              if ih < t.h + g.padEnd[0] && iw < t.w + g.padEnd[1] { padded += 1 }
              if ih < 0 || ih >= t.h || iw < 0 || iw >= t.w { continue }
              let v = x[(p * t.h + ih) * t.w + iw]
              best = v > best || v.isNaN ? v : best
              sum += v
              inside += 1
            }
          }
          let divisor = includePad ? padded : inside
          y.append(max ? best : (divisor > 0 ? sum / Float(divisor) : 0))
        }
      }
    }
    return y
  }

  @Test(arguments: poolCases)
  func poolsMatchDirectLoops(_ t: PoolCase) throws {
    let planes = 6
    var values = Self.random(planes * t.h * t.w, seed: 7)
    values[5] = .nan
    let x = Tensor(shape: [2, 3, t.h, t.w], floats: values)
    let common = (kernel: [t.k, t.k], strides: [t.stride, t.stride], pads: [t.pad, t.pad, t.pad, t.pad])
    let maxY = try Tensor.maxPool(
      x, kernelShape: common.kernel, strides: common.strides, pads: common.pads, dilations: [t.dilation, t.dilation],
      ceilMode: t.ceil)
    let maxRef = Self.referencePool(t, values, planes: planes, max: true, includePad: false)
    #expect(maxY.floats().map(\.bitPattern) == maxRef.map(\.bitPattern), "\(t)")
    for includePad in [false, true] {
      let avg = try Tensor.averagePool(
        x, kernelShape: common.kernel, strides: common.strides, pads: common.pads,
        dilations: [t.dilation, t.dilation], ceilMode: t.ceil, countIncludePad: includePad)
      let ref = Self.referencePool(t, values, planes: planes, max: false, includePad: includePad)
      let same = zip(avg.floats(), ref).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) || abs($0 - $1) < 1e-6 }
      #expect(same, "\(t) countIncludePad \(includePad)")
    }
  }

  /// MaxPool 2×2 stride 2 over even planes takes the stacked-rows path: 8- and 16-wide rows, 4-wide rows in
  /// pairs (an odd row count leaves one for the tail), other widths singly. NaNs must win.
  @Test(arguments: [(3, 8, 8), (2, 4, 16), (3, 2, 4), (5, 4, 4), (2, 6, 6), (1, 2, 2), (4, 10, 12)])
  func pairwiseMaxPoolMatchesDirectLoops(_ planes: Int, _ h: Int, _ w: Int) throws {
    var values = Self.random(planes * h * w, seed: 10)
    values[planes * h * w - 3] = .nan
    let x = Tensor(shape: [1, planes, h, w], floats: values)
    let y = try Tensor.maxPool(x, kernelShape: [2, 2], strides: [2, 2])
    let t = PoolCase(h: h, w: w, k: 2, stride: 2, pad: 0, dilation: 1, ceil: false)
    #expect(y.shape == [1, planes, h / 2, w / 2])
    let expected = Self.referencePool(t, values, planes: planes, max: true, includePad: false)
    #expect(y.floats().map(\.bitPattern) == expected.map(\.bitPattern), "\(planes)×\(h)×\(w)")
  }

  @Test func uninitializedTensorHasShape() {
    let t = Tensor(uninitialized: .float32, shape: [2, 3])
    #expect(t.shape == [2, 3] && t.count == 6 && t.rawBytes.count == 24)
  }

  @Test func reshapeAndFlattenShareStorage() throws {
    let x = Tensor(shape: [2, 3, 4], floats: Self.random(24, seed: 9))
    #expect(try x.flattened(axis: 1).storage === x.storage)
    #expect(try x.reshaped(onnx: [4, -1]).storage === x.storage)
  }
}
