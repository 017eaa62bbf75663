import Foundation
import RecastDiagnostics
import RecastQuantization
import RecastYAML
import TestSupport
import Testing

@testable import RecastRecipe

/// A recipe's `train` stage: optimizer and loss settings as PyTorch defaults them, and the stage's own
/// `qat_schedule`, which replaces every scope's for that stage with steps counted from its start.
@Suite struct TrainStageTests {
  static let digits = Paths.repository("Examples/digits").path

  func steps(_ stages: String) throws -> [RunStep] {
    try RunStep.steps(of: try YAMLReader.parse("stages:\n" + stages, file: "recipe.yaml"))
  }

  @Test func optimizerDefaultsFollowPyTorch() throws {
    let train = try steps(
      """
        - train: {steps: 1, optimizer: {adamw: {lr: 0.001}}}
        - train: {steps: 1, optimizer: {adam: {lr: 0.001}}}
        - train: {steps: 1, optimizer: {sgd: {lr: 0.1}}, loss: {cross_entropy: {label_smoothing: 0.1}}}
      """
    ).map { step in try TrainSettings(step) }
    #expect(train[0].optimizer == .adam(lr: 0.001, betas: (0.9, 0.999), eps: 1e-8, weightDecay: 0.01, decoupled: true))
    #expect(train[1].optimizer == .adam(lr: 0.001, betas: (0.9, 0.999), eps: 1e-8, weightDecay: 0, decoupled: false))
    #expect(train[2].optimizer == .sgd(lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0))
    #expect(train[2].loss == .crossEntropy(labelSmoothing: 0.1))
  }

  /// Three train stages on the digits CNN (W8A8). The second has its own schedule with `disable_observer: 1`:
  /// counted from the stage's start, the observers stop after its first step, while the config's schedule
  /// (observers on throughout) governs the first and, once the override ends, the third. Label smoothing runs in
  /// the first.
  @Test func stageScheduleReplacesTheConfigsForThatStage() throws {
    let folder = try makeTemporaryFolder("recast-train-stage")
    defer { try? FileManager.default.removeItem(at: folder) }
    let recipe = folder.appendingPathComponent("recipe.yaml")
    try Data(
      """
      recast: 1
      name: stage-schedule
      extends: [w8a8]
      model: {path: \(Self.digits)/digits_cnn_bn.onnx}
      data:
        calibration: {inputs: \(Self.digits)/digits_calib_x.npy, batch_size: 25}
        train: {inputs: \(Self.digits)/digits_train_x.npy, labels: \(Self.digits)/digits_train_y.npy, batch_size: 16}
      stages:
        - prepare: {example_inputs: calibration}
        - calibrate:
        - train:
            steps: 3
            optimizer: {sgd: {lr: 0.01, momentum: 0.9}}
            loss: {cross_entropy: {label_smoothing: 0.1}}
        - train:
            steps: 3
            optimizer: {sgd: {lr: 0.01, momentum: 0.9}}
            qat_schedule: {enable_observer: 0, enable_fake_quant: 0, disable_observer: 1}
        - train:
            steps: 2
            optimizer: {sgd: {lr: 0.01}}
      """.utf8
    ).write(to: recipe)
    let setup = try RunSetup(
      file: recipe.path, configuration: RunConfiguration(outputDirectory: folder.path, version: "test"))
    var runner: RecipeRunner?
    var seen: [(stage: Int, observing: Bool, range: [GroupRange?])] = []
    runner = RecipeRunner(
      setup: setup,
      events: { event in
        guard case .progress(let step, _, _) = event, step.kind == .train, let quantizer = runner?.quantizer else {
          return
        }
        seen.append(
          (step.index, quantizer.isObserverEnabled, quantizer.plan.activations.map { quantizer.activationRange($0.id) }))
      })
    let plans = setup.steps.filter { $0.kind == .train }.map(setup.trainPlan)
    #expect(
      plans == [
        "3 steps (an epoch is 90) on 'train', batch 16; sgd lr 0.01 momentum 0.9; cross_entropy label_smoothing 0.1; "
          + "constant lr; qat_schedule observers step 0–never, fake-quant from step 0, freeze_bn never",
        "3 steps (an epoch is 90) on 'train', batch 16; sgd lr 0.01 momentum 0.9; cross_entropy; constant lr; "
          + "qat_schedule (this stage, every scope) observers step 0–step 1, fake-quant from step 0, freeze_bn never",
        "2 steps (an epoch is 90) on 'train', batch 16; sgd lr 0.01; cross_entropy; constant lr; qat_schedule "
          + "observers step 0–never, fake-quant from step 0, freeze_bn never (counted from the run's first training "
          + "step)",
      ])
    _ = try #require(runner).run()
    let trains = seen.map { $0.stage }.reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
    #expect(trains.count == 3)
    let first = seen.filter { $0.stage == trains[0] }
    let second = seen.filter { $0.stage == trains[1] }
    let third = seen.filter { $0.stage == trains[2] }
    #expect(first.count == 3 && second.count == 3 && third.count == 2)
    #expect(second[0].range != first.last?.range, "the second stage observes at its own step 0")
    #expect(third.map { $0.observing } == [true, true], "the config's schedule again after the stage")
    let observing = (first.map { $0.observing }, second.map { $0.observing })
    #expect(observing.0 == [true, true, true], "the config's schedule: observers on in the first stage")
    #expect(observing.1 == [false, false, false], "disable_observer at the stage's step 1")
    #expect(second[1].range == second[0].range && second[2].range == second[0].range, "scales frozen")
  }
}
