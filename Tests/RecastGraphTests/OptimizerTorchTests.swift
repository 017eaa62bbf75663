import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// `SGD`, `Adam`, `AdamW` and `LearningRateSchedule` against PyTorch (`Fixtures/make_optimizer_fixtures.py`):
/// the parameters after each of five steps of `torch.optim.SGD`/`Adam`/`AdamW` from the same float32 start and
/// gradients, and the learning rate of each optimizer step under `ConstantLR`, `CosineAnnealingLR` and `StepLR`,
/// with `LinearLR` warm-up chained by `SequentialLR`.
@Suite("Optimizers match PyTorch")
struct OptimizerTorchTests {
  struct Hyperparameters: Decodable, Sendable {
    let lr: Float
    let momentum: Float?
    let nesterov: Bool?
    let weight_decay: Float?
  }

  struct OptimizerCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let optimizer: String
    let hyperparameters: Hyperparameters
    /// Every parameter's float32 bit patterns after each step.
    let trajectory: [[String: [UInt32]]]
    var testDescription: String { name }

    /// The Recast optimizer configured as the torch one (hyperparameters are float32 values on both sides).
    func make() throws -> any Optimizer {
      let h = hyperparameters
      switch optimizer {
      case "sgd":
        return SGD(
          learningRate: h.lr, momentum: h.momentum ?? 0, nesterov: h.nesterov ?? false,
          weightDecay: h.weight_decay ?? 0)
      case "adam": return Adam(learningRate: h.lr, weightDecay: h.weight_decay ?? 0)
      case "adamw": return AdamW(learningRate: h.lr, weightDecay: h.weight_decay ?? 0)
      default: throw TensorError("unknown optimizer '\(optimizer)' in the fixture")
      }
    }
  }

  struct ScheduleCase: Decodable, Sendable, CustomTestStringConvertible {
    let kind: String
    let base: Float
    let total: Int
    let warmup: Int
    let minimum: Float?
    let every: Int?
    let gamma: Float?
    /// torch's rate for optimizer steps 0...total.
    let lr: [Double]
    var testDescription: String { "\(kind), warm-up \(warmup), \(total) steps" }

    var schedule: LearningRateSchedule {
      switch kind {
      case "cosine": LearningRateSchedule(.cosine(minimum: minimum!), warmupSteps: warmup)
      case "step": LearningRateSchedule(.step(every: every!, gamma: gamma!), warmupSteps: warmup)
      default: LearningRateSchedule(.constant, warmupSteps: warmup)
      }
    }
  }

  struct File: Decodable {
    let torch: String
    let shapes: [String: [Int]]
    let initial: [String: [UInt32]]
    let gradients: [[String: [UInt32]]]
    let optimizers: [OptimizerCase]
    let schedules: [ScheduleCase]
  }

  static let file: File = try! JSONDecoder().decode(
    File.self,
    from: Data(contentsOf: Paths.repository("Tests/RecastGraphTests/Fixtures/optimizer_cases.json")))

  /// Named float32 tensors from their bit patterns, shaped as the fixture's parameters.
  static func tensors(_ bits: [String: [UInt32]]) -> [String: Tensor] {
    Dictionary(
      uniqueKeysWithValues: bits.map { name, values in
        let floats = values.map(Float.init(bitPattern:))
        return (name, Tensor(shape: file.shapes[name]!, floats: floats))
      })
  }

  /// Every parameter after every step within `1e-6·|torch| + 1e-7` of torch's. Both compute in float32 from the
  /// same bits, but not in the same order: torch's `add(…, alpha:)` is a fused multiply-add, Adam's first moment
  /// is a `lerp`, and the scalars `lr / (1 − β₁ᵗ)`, `√(1 − β₂ᵗ)` and `1 − lr·λ` are rounded from double; each
  /// operation may differ by an ulp (6e-8 relative), a few ulps after five steps. The absolute term covers results
  /// near zero after cancellation, whose error is that of the operands (below 2, so half an ulp is 6e-8). A wrong
  /// term, sign, factor or step count moves the parameters by 1e-4 or more; computing `1 − β₂ᵗ` in float32 moves
  /// them by up to 5e-7.
  @Test(arguments: file.optimizers)
  func parametersFollowTorch(_ reference: OptimizerCase) throws {
    var optimizer = try reference.make()
    var parameters = Self.tensors(Self.file.initial)
    #expect(reference.trajectory.count == Self.file.gradients.count)
    for (step, gradients) in Self.file.gradients.enumerated() {
      try optimizer.step(&parameters, gradients: Self.tensors(gradients))
      for (name, bits) in reference.trajectory[step].sorted(by: { $0.key < $1.key }) {
        let got = try #require(parameters[name]).floats()
        let expected = bits.map(Float.init(bitPattern:))
        #expect(got.count == expected.count)
        for (i, (value, torch)) in zip(got, expected).enumerated() {
          let error = abs(Double(value) - Double(torch))
          if error > 1e-6 * abs(Double(torch)) + 1e-7 {
            Issue.record(
              "step \(step + 1): \(name)[\(i)] = \(value), torch \(Self.file.torch) \(torch) (difference \(error))")
          }
        }
      }
    }
  }

  /// The rate of every optimizer step 0...total within `1e-6·|torch| + 1e-9` of torch's: torch keeps the rate in
  /// double (updated recursively), Recast returns a float32 computed from float32 operands, a few ulps apart.
  @Test(arguments: file.schedules)
  func learningRatesFollowTorch(_ reference: ScheduleCase) {
    #expect(reference.lr.count == reference.total + 1)
    for (step, torch) in reference.lr.enumerated() {
      let rate = reference.schedule.learningRate(base: reference.base, step: step, totalSteps: reference.total)
      let error = abs(Double(rate) - torch)
      #expect(error <= 1e-6 * abs(torch) + 1e-9, "step \(step): \(rate), torch \(Self.file.torch) \(torch)")
    }
  }

  @Test func fixtureCoversEveryOptimizerAndSchedule() {
    #expect(Set(Self.file.optimizers.map(\.optimizer)) == ["sgd", "adam", "adamw"])
    #expect(Set(Self.file.schedules.map(\.kind)) == ["constant", "cosine", "step"])
    #expect(Self.file.schedules.contains { $0.warmup > 0 && $0.kind == "cosine" })
  }
}

