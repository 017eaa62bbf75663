import RecastTensor
import Testing
import TestSupport

/// Tensors large enough to take the multi-threaded paths, checked against simple per-element loops.
@Suite struct LargeTensorTests {
  static func random(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, floats: (0..<n).map { _ in Float.random(in: -2...2, using: &generator) })
  }

  @Test func broadcastAddMatchesLoop() throws {
    let a = Self.random([64, 33, 40], seed: 1)
    let b = Self.random([33, 1], seed: 2)
    let y = try Tensor.binary(.add, a, b).floats()
    let (av, bv) = (a.floats(), b.floats())
    var worst: Float = 0
    for i in 0..<av.count { worst = max(worst, abs(y[i] - (av[i] + bv[(i / 40) % 33]))) }
    #expect(worst == 0, "seed 1/2")
    let same = try Tensor.binary(.mul, a, a).floats()
    #expect(zip(same, av).allSatisfy { $0 == $1 * $1 })
  }

  @Test func unaryAndReductionsMatchLoops() throws {
    let x = Self.random([300, 257], seed: 3)
    let xv = x.floats()
    #expect(try x.map(.relu).floats() == xv.map { max($0, 0) })
    let sums = try x.reduced(.sum, axes: [1], keepDims: false).floats()
    for r in 0..<300 {
      let expected = xv[(r * 257)..<((r + 1) * 257)].reduce(Double(0)) { $0 + Double($1) }
      #expect(abs(Double(sums[r]) - expected) < 1e-3)
    }
    let columns = try x.reduced(.max, axes: [0], keepDims: false).floats()
    for c in 0..<257 { #expect(columns[c] == (0..<300).map { xv[$0 * 257 + c] }.max()!) }
  }

  @Test func transposeRoundTripsAndIsDeterministic() throws {
    let x = Self.random([8, 65, 130], seed: 4)
    let t = try x.transposed(perm: [2, 0, 1])
    #expect(t.shape == [130, 8, 65])
    #expect(try t.transposed(perm: [1, 2, 0]) == x)
    #expect(try x.transposed(perm: [2, 0, 1]) == t)
  }

  /// A direct 7-loop convolution in Double as the oracle for a conv big enough for parallel im2col.
  @Test func convMatchesDirectLoops() throws {
    let (n, c, h, w, m, k) = (2, 6, 40, 36, 8, 3)
    let x = Self.random([n, c, h, w], seed: 5)
    let weight = Self.random([m, c / 2, k, k], seed: 6)
    let bias = Self.random([m], seed: 7)
    let y = try Tensor.conv(x, weight: weight, bias: bias, strides: [2, 1], pads: [1, 2, 0, 1], group: 2)
    let (oh, ow) = ((h + 1 - k) / 2 + 1, (w + 3 - k) + 1)
    #expect(y.shape == [n, m, oh, ow])
    let (xv, wv, bv, yv) = (x.floats(), weight.floats(), bias.floats(), y.floats())
    var worst = 0.0
    for b in 0..<n {
      for o in 0..<m {
        let g = o / (m / 2)
        for i in 0..<oh {
          for j in 0..<ow {
            var s = Double(bv[o])
            for ci in 0..<(c / 2) {
              for p in 0..<k {
                for q in 0..<k {
                  let (hi, wi) = (i * 2 - 1 + p, j - 2 + q)
                  guard hi >= 0, hi < h, wi >= 0, wi < w else { continue }
                  s +=
                    Double(xv[((b * c + g * c / 2 + ci) * h + hi) * w + wi])
                    * Double(wv[((o * c / 2 + ci) * k + p) * k + q])
                }
              }
            }
            worst = max(worst, abs(s - Double(yv[((b * m + o) * oh + i) * ow + j])))
          }
        }
      }
    }
    #expect(worst < 1e-4, "seeds 5–7")
  }

  @Test func batchedMatMulMatchesPerBatchGemm() throws {
    let a = Self.random([3, 4, 17, 24], seed: 8)
    let b = Self.random([4, 24, 9], seed: 9)
    let y = try Tensor.matmul(a, b)
    #expect(y.shape == [3, 4, 17, 9])
    for i in 0..<3 {
      for j in 0..<4 {
        let ai = try a.sliced(starts: [i, j], ends: [i + 1, j + 1], axes: [0, 1]).reshaped([17, 24])
        let bj = try b.sliced(starts: [j], ends: [j + 1], axes: [0]).reshaped([24, 9])
        let yij = try y.sliced(starts: [i, j], ends: [i + 1, j + 1], axes: [0, 1]).reshaped([17, 9])
        expectClose(yij, try Tensor.gemm(ai, bj), atol: 1e-5, rtol: 1e-5, "batch \(i),\(j)")
      }
    }
  }

  @Test func errorsNameTheProblem() {
    #expect {
      try Tensor.binary(.add, Tensor(zeros: .float32, shape: [2, 3]), Tensor(zeros: .float32, shape: [4]))
    } throws: { "\($0)".contains("do not broadcast") }
    #expect(throws: TensorError.self) {
      try Tensor.matmul(Tensor(zeros: .float32, shape: [2, 3]), Tensor(zeros: .float32, shape: [2, 3]))
    }
    #expect(throws: TensorError.self) { try Tensor(zeros: .float32, shape: [2]).transposed(perm: [1]) }
    #expect(throws: TensorError.self) {
      try Tensor(zeros: .float32, shape: [2, 3]).gathered(
        Tensor(shape: [1], scalars: [Int64(5)], dtype: .int64), axis: 1)
    }
  }
}
