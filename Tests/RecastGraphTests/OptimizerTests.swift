import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// Adam/AdamW against a Double re-implementation of PyTorch's update, learning-rate schedules at known points,
/// clipping by global norm, and the distillation loss's gradient against central differences in Double.
@Suite struct OptimizerTests {
  /// PyTorch's Adam/AdamW for one scalar parameter, in Double.
  static func reference(
    p start: Double, gradients: [Double], lr: Double, decay: Double, decoupled: Bool
  ) -> Double {
    var (p, m, v) = (start, 0.0, 0.0)
    let (b1, b2, eps) = (0.9, 0.999, 1e-8)
    for (t, raw) in gradients.enumerated() {
      var g = raw
      if decoupled { p *= 1 - lr * decay } else { g += decay * p }
      m = b1 * m + (1 - b1) * g
      v = b2 * v + (1 - b2) * g * g
      let mHat = m / (1 - pow(b1, Double(t + 1)))
      let vHat = v / (1 - pow(b2, Double(t + 1)))
      p -= lr * mHat / (vHat.squareRoot() + eps)
    }
    return p
  }

  @Test(arguments: [false, true])
  func adamMatchesTheReferenceUpdate(decoupled: Bool) throws {
    var rng = SeededGenerator(seed: 11)
    let starts = (0..<8).map { _ in Double.random(in: -1...1, using: &rng) }
    let steps = (0..<5).map { _ in (0..<8).map { _ in Double.random(in: -1...1, using: &rng) } }
    var parameters = ["p": Tensor(shape: [8], floats: starts.map(Float.init))]
    var optimizer: any Optimizer =
      decoupled
      ? AdamW(learningRate: 0.01, weightDecay: 0.1) : Adam(learningRate: 0.01, weightDecay: 0.1)
    for g in steps {
      try optimizer.step(
        &parameters, gradients: ["p": Tensor(shape: [8], floats: g.map(Float.init))])
    }
    let result = parameters["p"]!.scalars(as: Float.self)
    for i in 0..<8 {
      let expected = Self.reference(
        p: starts[i], gradients: steps.map { $0[i] }, lr: 0.01, decay: 0.1, decoupled: decoupled)
      // float32 moments: about 1e-6 relative per step.
      #expect(abs(Double(result[i]) - expected) < 1e-5, "parameter \(i)")
    }
  }

  @Test func learningRateSchedules() {
    let base: Float = 0.1
    let cosine = LearningRateSchedule(.cosine(minimum: 0.001), warmupSteps: 4)
    #expect(cosine.learningRate(base: base, step: 0, totalSteps: 24) == base / 5)
    #expect(cosine.learningRate(base: base, step: 3, totalSteps: 24) == base * 4 / 5)
    #expect(cosine.learningRate(base: base, step: 4, totalSteps: 24) == base)
    #expect(
      abs(cosine.learningRate(base: base, step: 14, totalSteps: 24) - (0.001 + 0.099 / 2)) < 1e-7)
    #expect(abs(cosine.learningRate(base: base, step: 24, totalSteps: 24) - 0.001) < 1e-7)
    let step = LearningRateSchedule(.step(every: 10, gamma: 0.5))
    #expect(step.learningRate(base: base, step: 9, totalSteps: 100) == base)
    #expect(step.learningRate(base: base, step: 10, totalSteps: 100) == base / 2)
    #expect(step.learningRate(base: base, step: 25, totalSteps: 100) == base / 4)
    #expect(
      LearningRateSchedule.constant.learningRate(base: base, step: 99, totalSteps: 100) == base)
  }

  @Test func clippingScalesToTheGlobalNorm() {
    var gradients = [
      "a": Tensor(shape: [2], floats: [3, 0]), "b": Tensor(shape: [1], floats: [4]),
    ]
    let norm = GradientClipping.clip(&gradients, maxNorm: 1)
    #expect(norm == 5)
    #expect(abs(GradientClipping.globalNorm(gradients) - 1) < 1e-5)
    #expect(abs(gradients["a"]!.scalars(as: Float.self)[0] - 0.6) < 1e-5)
    var small = ["a": Tensor(shape: [1], floats: [0.5])]
    #expect(GradientClipping.clip(&small, maxNorm: 1) == 0.5)
    #expect(small["a"]!.scalars(as: Float.self) == [0.5])
  }

  /// dL/dstudent against central differences of the loss (computed in Double from float32 logits: h = 1e-2 keeps
  /// the float32 softmax rounding, ~1e-7, below 1e-5 of the difference quotient).
  @Test func distillationGradientMatchesCentralDifferences() throws {
    var rng = SeededGenerator(seed: 5)
    let student = (0..<12).map { _ in Float.random(in: -3...3, using: &rng) }
    let teacher = Tensor(
      shape: [3, 4], floats: (0..<12).map { _ in Float.random(in: -3...3, using: &rng) })
    let (loss, gradient) = try Loss.distillation(
      student: Tensor(shape: [3, 4], floats: student), teacher: teacher, temperature: 2)
    #expect(loss > 0)
    let (zero, _) = try Loss.distillation(student: teacher, teacher: teacher, temperature: 2)
    #expect(abs(zero) < 1e-6)
    for i in 0..<12 {
      var plus = student
      var minus = student
      plus[i] += 1e-2
      minus[i] -= 1e-2
      let numeric =
        (try Loss.distillation(
          student: Tensor(shape: [3, 4], floats: plus), teacher: teacher, temperature: 2
        ).loss
          - Loss.distillation(
            student: Tensor(shape: [3, 4], floats: minus), teacher: teacher, temperature: 2
          ).loss) / 2e-2
      #expect(abs(Double(gradient.scalars(as: Float.self)[i]) - numeric) < 1e-4, "element \(i)")
    }
  }
}
