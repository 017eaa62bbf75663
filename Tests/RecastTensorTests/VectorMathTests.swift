import Foundation
import RecastTensor
import Testing

/// The eight-lane approximations behind Erf, Sigmoid, Gelu and Softmax, against Double libm on a dense grid.
@Suite struct VectorMathTests {
  static let grid = (0...200_000).map { Float(-10 + Double($0) * 1e-4) }

  func worst(_ op: UnaryOperator, _ reference: (Double) -> Double) throws -> Double {
    let y = try Tensor(shape: [Self.grid.count], floats: Self.grid).map(op).floats()
    return zip(Self.grid, y).map { abs(Double($1) - reference(Double($0))) }.max()!
  }

  @Test func erfIsAccurate() throws {
    // Absolute error (the erfc fit is good to ~1.2e-7 relative to erfc ≤ 1).
    #expect(try worst(.erf, Foundation.erf) < 3e-7)
  }

  @Test func sigmoidIsAccurate() throws {
    #expect(try worst(.sigmoid) { 1 / (1 + Foundation.exp(-$0)) } < 2e-7)
  }

  @Test func geluIsAccurate() throws {
    // Relative to |x| ≤ 10, so the bound scales with the input.
    #expect(try worst(.gelu(approximateTanh: false)) { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) } < 2e-6)
    let c = (2 / Double.pi).squareRoot()
    #expect(
      try worst(.gelu(approximateTanh: true)) { 0.5 * $0 * (1 + Foundation.tanh(c * ($0 + 0.044715 * $0 * $0 * $0))) }
        < 2e-6)
  }

  @Test func softmaxRowsSumToOne() throws {
    let x = Tensor(shape: [3, 1000], floats: (0..<3000).map { Float($0 % 97) * 0.37 - 15 })
    let y = try x.softmax().floats()
    for r in 0..<3 {
      let s = y[(r * 1000)..<((r + 1) * 1000)].reduce(0, +)
      #expect(abs(s - 1) < 1e-5)
    }
  }
}
