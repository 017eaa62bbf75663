import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// Learning-rate schedules at known points, clipping by global norm, and the distillation loss's gradient against
/// central differences in Double. The optimizers' updates and the schedules are checked against PyTorch itself in
/// `OptimizerTorchTests`.
@Suite struct OptimizerTests {
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
