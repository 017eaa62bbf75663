import Foundation
import Testing

@testable import RecastTensor

/// Conv weight and input gradients on batches the kernels split (image chunks with partial sums, chunks one after
/// another, images on separate threads) against direct loops in Double, and the same bytes with one thread as with
/// every core.
@Suite struct ConvGradientTests {
  typealias ConvCase = KernelFastPathTests.ConvCase

  static let cases: [ConvCase] = [
    // digits_cnn_bn's second and third layers at batch 64: ten and six chunks.
    ConvCase(n: 64, c: 16, h: 8, w: 8, m: 32, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    ConvCase(n: 64, c: 32, h: 4, w: 4, m: 64, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    // One input channel (two chunks for the work alone), odd batch, groups with stride and dilation.
    ConvCase(n: 17, c: 1, h: 8, w: 8, m: 16, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    ConvCase(n: 9, c: 8, h: 9, w: 7, m: 12, k: 3, stride: 2, pad: 1, dilation: 2, group: 2),
    // Output rows wider than SmallImageUnfold.maxWidth: the general im2col.
    ConvCase(n: 6, c: 4, h: 3, w: 40, m: 8, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    // Single image, and a plane large enough for the one-image-at-a-time input gradient.
    ConvCase(n: 1, c: 4, h: 6, w: 6, m: 8, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
    ConvCase(n: 3, c: 2, h: 66, w: 64, m: 4, k: 3, stride: 1, pad: 1, dilation: 1, group: 1),
  ]

  /// `dW[m, c, i, j] = Σ dy[n, m, oh, ow] · x[n, g·cg + c, oh·s − p + i·d, ow·s − p + j·d]` and
  /// `dX` the matching scatter of `dy · W`, in Double.
  static func reference(_ t: ConvCase, x: [Float], w: [Float], dy: [Float]) -> (dx: [Double], dw: [Double]) {
    let (cg, mg) = (t.c / t.group, t.m / t.group)
    let oh = (t.h + 2 * t.pad - (t.k - 1) * t.dilation - 1) / t.stride + 1
    let ow = (t.w + 2 * t.pad - (t.k - 1) * t.dilation - 1) / t.stride + 1
    var dx = [Double](repeating: 0, count: x.count)
    var dw = [Double](repeating: 0, count: w.count)
    for n in 0..<t.n {
      for m in 0..<t.m {
        let g = m / mg
        for y in 0..<oh {
          for z in 0..<ow {
            let grad = Double(dy[((n * t.m + m) * oh + y) * ow + z])
            for c in 0..<cg {
              for i in 0..<t.k {
                for j in 0..<t.k {
                  let (ih, iw) = (y * t.stride - t.pad + i * t.dilation, z * t.stride - t.pad + j * t.dilation)
                  guard ih >= 0, ih < t.h, iw >= 0, iw < t.w else { continue }
                  let xi = ((n * t.c + g * cg + c) * t.h + ih) * t.w + iw
                  let wi = ((m * cg + c) * t.k + i) * t.k + j
                  dw[wi] += grad * Double(x[xi])
                  dx[xi] += grad * Double(w[wi])
                }
              }
            }
          }
        }
      }
    }
    return (dx, dw)
  }

  static func gradients(_ t: ConvCase, _ x: Tensor, _ w: Tensor, _ dy: Tensor) throws -> (dx: Tensor, dw: Tensor) {
    let r = try Tensor.convGradients(
      x, weight: w, outputGradient: dy, strides: [t.stride, t.stride], pads: [t.pad, t.pad, t.pad, t.pad],
      dilations: [t.dilation, t.dilation], group: t.group, need: [true, true, false])
    return (try #require(r.input), try #require(r.weight))
  }

  @Test(arguments: cases.indices)
  func matchesDirectLoopsOnAnyThreadCount(_ index: Int) throws {
    let t = Self.cases[index]
    let oh = (t.h + 2 * t.pad - (t.k - 1) * t.dilation - 1) / t.stride + 1
    let ow = (t.w + 2 * t.pad - (t.k - 1) * t.dilation - 1) / t.stride + 1
    let x = KernelFastPathTests.random(t.n * t.c * t.h * t.w, seed: 11)
    let w = KernelFastPathTests.random(t.m * t.c / t.group * t.k * t.k, seed: 12)
    let dy = KernelFastPathTests.random(t.n * t.m * oh * ow, seed: 13)
    let tx = Tensor(shape: [t.n, t.c, t.h, t.w], floats: x)
    let tw = Tensor(shape: [t.m, t.c / t.group, t.k, t.k], floats: w)
    let tdy = Tensor(shape: [t.n, t.m, oh, ow], floats: dy)
    let all = try Self.gradients(t, tx, tw, tdy)
    let (dx, dw) = Self.reference(t, x: x, w: w, dy: dy)
    // float32 sums of up to a few thousand products of values in [−1, 1): errors far below 1e-3.
    let worstW = zip(all.dw.floats(), dw).map { abs(Double($0) - $1) }.max() ?? 0
    let worstX = zip(all.dx.floats(), dx).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(worstW < 1e-3, "\(t): dW max error \(worstW)")
    #expect(worstX < 1e-3, "\(t): dX max error \(worstX)")
    let one = try Parallelism.withWorkerLimit(1) { try Self.gradients(t, tx, tw, tdy) }
    #expect(one.dw == all.dw, "\(t): dW differs between one thread and \(Parallelism.workers)")
    #expect(one.dx == all.dx, "\(t): dX differs between one thread and \(Parallelism.workers)")
  }

  /// Chunks run one after another into the result (weights too large for partial sums) give the partial-sum path's
  /// values up to rounding, and the same bytes on one thread.
  @Test func sequentialChunksMatchPartialSums() throws {
    let t = Self.cases[0]
    let x = Tensor(shape: [t.n, t.c, t.h, t.w], floats: KernelFastPathTests.random(t.n * t.c * t.h * t.w, seed: 14))
    let dy = Tensor(shape: [t.n, t.m, t.h, t.w], floats: KernelFastPathTests.random(t.n * t.m * t.h * t.w, seed: 15))
    let g = try SpatialGeometry(
      op: "Conv", input: [t.h, t.w], kernel: [t.k, t.k], strides: nil, dilations: nil,
      pads: [t.pad, t.pad, t.pad, t.pad], autoPad: .notSet)
    func run(_ budget: Int) -> [Float] {
      let plan = WeightGradientPlan(
        batch: t.n, channels: t.c, outputs: t.m, group: 1, geometry: g, partialBudget: budget)
      var out = [Float](repeating: .nan, count: t.m * plan.rows)
      x.withUnsafeBufferPointer(as: Float.self) { px in
        dy.withUnsafeBufferPointer(as: Float.self) { pd in
          out.withUnsafeMutableBufferPointer {
            plan.run(unfolded: px.baseAddress!, other: pd.baseAddress!, into: $0.baseAddress!)
          }
        }
      }
      return out
    }
    let plan = WeightGradientPlan(batch: t.n, channels: t.c, outputs: t.m, group: 1, geometry: g, partialBudget: 0)
    #expect(!plan.partials && plan.chunks == 1)
    let (sequential, partial) = (run(0), run(WeightGradientPlan.partialBudget))
    let worst = zip(sequential, partial).map { abs($0 - $1) }.max() ?? .infinity
    // The same products summed in another order.
    #expect(worst < 1e-3)
    #expect(Parallelism.withWorkerLimit(1) { run(0) } == sequential)
  }
}

/// The MaxPool gradient's 2×2 stride-2 fast path (eight, four and single windows per row) against a direct loop:
/// ties go to the first tap, a NaN tap wins.
@Suite struct MaxPoolGradientTests {
  @Test(arguments: [[3, 2, 8, 8], [2, 3, 4, 4], [1, 2, 7, 9], [2, 1, 10, 18]])
  func pairWindowsMatchADirectLoop(_ shape: [Int]) throws {
    let count = shape.reduce(1, *)
    // Few distinct values, so windows hold ties; every 23rd value NaN.
    let values = KernelFastPathTests.random(count, seed: 21).enumerated().map { i, v -> Float in
      i % 23 == 5 ? .nan : (v * 2).rounded() / 2
    }
    let (outH, outW) = (shape[2] / 2, shape[3] / 2)
    let dy = KernelFastPathTests.random(shape[0] * shape[1] * outH * outW, seed: 22)
    let dx = try Tensor.maxPoolGradient(
      Tensor(shape: shape, floats: values), outputGradient: Tensor(shape: [shape[0], shape[1], outH, outW], floats: dy),
      kernelShape: [2, 2], strides: [2, 2])
    var expected = [Float](repeating: 0, count: count)
    for plane in 0..<shape[0] * shape[1] {
      for oh in 0..<outH {
        for ow in 0..<outW {
          var winner = -1
          for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let index = (plane * shape[2] + 2 * oh + i) * shape[3] + 2 * ow + j
            let (v, best) = (values[index], winner < 0 ? 0 : values[winner])
            if winner < 0 || v > best || (v.isNaN && !best.isNaN) { winner = index }
          }
          expected[winner] += dy[(plane * outH + oh) * outW + ow]
        }
      }
    }
    #expect(dx.floats().map(\.bitPattern) == expected.map(\.bitPattern), "\(shape)")
  }
}
