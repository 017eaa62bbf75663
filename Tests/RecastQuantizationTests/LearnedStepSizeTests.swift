import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

@testable import RecastQuantization

/// `fake_quantize_cls: lsq`: the LSQ gradient on hand-computed values, and the learned parameters' life cycle in a
/// QAT session on the digits CNN (observer-set while observers are on, trained after `disable_observer`, exported).
@Suite("Learned step size (lsq)", .serialized)
struct LearnedStepSizeTests {
  typealias Schedule = QATScheduleTests

  /// int8, s = 1, z = 0: 0.3 is inside (round 0: 0 − 0.3), 200 clamps at 127, −300 at −128, 2.5 rounds to 2
  /// (2 − 2.5); the sum −1.8 is scaled by 1/√(4 · 127). dx passes only inside.
  @Test func gradientsMatchTheFormula() throws {
    let q = QParams(scale: [1], zeroPoint: [0], dtype: .int8, granularity: .perTensor, scaleShape: [])
    let x = Tensor(shape: [4], floats: [0.3, 200, -300, 2.5])
    let dy = Tensor(shape: [4], floats: [1, 1, 1, 1])
    let g = try LearnedStepSize.gradients(x: x, dy: dy, qparams: q, learnsZeroPoint: true)
    #expect(g.dx.scalars(as: Float.self) == [1, 0, 0, 1])
    let factor = 1 / (4.0 * 127).squareRoot()
    #expect(abs(Double(g.dScale.scalars(as: Float.self)[0]) - (-1.8 * factor)) < 1e-6)
    // ∂x̂/∂z = −s for both clamped elements, 0 inside.
    #expect(abs(Double(g.dZeroPoint!.scalars(as: Float.self)[0]) - (-2 * factor)) < 1e-6)
  }

  /// Per-channel groups sum separately, each scaled by 1/√(elements per channel · qmax); uint8 with z = 10.
  @Test func perChannelGroupsAndZeroPoint() throws {
    let q = QParams(
      scale: [0.5, 2], zeroPoint: [10, 10], dtype: .uint8, granularity: .perChannel(axis: 0), scaleShape: [2])
    // Row 0 (s 0.5): 1.2/0.5 = 2.4 → 2, inside: 2 − 2.4 = −0.4; −10/0.5 = −20 → code −10 < 0: qmin − z = −10.
    // Row 1 (s 2): 3/2 = 1.5 → 2 (half to even), inside: 0.5; 600/2 = 300 → code 310 > 255: qmax − z = 245.
    let x = Tensor(shape: [2, 2], floats: [1.2, -10, 3, 600])
    let dy = Tensor(shape: [2, 2], floats: [1, 2, 3, 1])
    let g = try LearnedStepSize.gradients(x: x, dy: dy, qparams: q, learnsZeroPoint: true)
    let factor = 1 / (2.0 * 255).squareRoot()
    let ds = g.dScale.scalars(as: Float.self).map(Double.init)
    #expect(abs(ds[0] - (-0.4 * 1 + -10 * 2) * factor) < 1e-5)
    #expect(abs(ds[1] - (0.5 * 3 + 245 * 1) * factor) < 1e-4)
    let dz = g.dZeroPoint!.scalars(as: Float.self).map(Double.init)
    #expect(abs(dz[0] - (-0.5 * 2) * factor) < 1e-6 && abs(dz[1] - (-2 * 1) * factor) < 1e-6)
    #expect(g.dx.scalars(as: Float.self) == [1, 0, 3, 0])
  }

  /// Forward parameters: the scale is guarded, the zero point rounded half to even and clamped.
  @Test func forwardQParamsGuardAndRound() throws {
    let spec = QuantizationSpec(dtype: .uint8, qscheme: .asymmetric)
    let template = QParams(scale: [1], zeroPoint: [0], dtype: .uint8, granularity: .perTensor, scaleShape: [])
    let q = try LearnedStepSize.qparams(
      scale: Tensor(shape: [], floats: [-3]), zeroPoint: Tensor(shape: [], floats: [12.5]), spec: spec,
      template: template)
    #expect(q.scale == [QParams.epsilon] && q.zeroPoint == [12])
    let high = try LearnedStepSize.qparams(
      scale: Tensor(shape: [], floats: [0.25]), zeroPoint: Tensor(shape: [], floats: [300]), spec: spec,
      template: template)
    #expect(high.scale == [0.25] && high.zeroPoint == [255])
    #expect(throws: QuantizationError.self) {
      try LearnedStepSize.qparams(
        scale: Tensor(shape: [], floats: [.nan]), zeroPoint: nil, spec: spec, template: template)
    }
  }

  static func lsqQuantizer(disableObserverAt step: Int) throws -> (Quantizer, PreparedModel) {
    var activation = QuantizationSpec.defaultActivation
    activation.fakeQuantize = "lsq"
    let weight = QuantizationSpec(dtype: .int4, granularity: .perChannel(axis: nil), fakeQuantize: "lsq")
    let config = QuantizerConfig(
      global: ModuleQuantizerConfig(
        opInputSpec: .all(activation), opOutputSpec: .all(activation), opStateSpec: ["weight": weight],
        qatSchedule: QATSchedule(disableObserver: .step(step))))
    let quantizer = try Quantizer(QATDigitsTests.model, config: config)
    return (quantizer, try quantizer.prepare(exampleInputs: [["input": Schedule.batch(40).x]]))
  }

  /// Before `disable_observer` the learned parameters follow the observers (and get no gradient); after it the
  /// optimizer moves them, the quantizer's qparams are the learned ones on leaving training mode, and the export
  /// carries them.
  @Test func parametersFollowObserversThenLearn() throws {
    let (quantizer, prepared) = try Self.lsqQuantizer(disableObserverAt: 2)
    var optimizer = SGD(learningRate: 0.01, momentum: 0.9)
    var learnedNames: [String] = []
    var atDisable: [String: Tensor] = [:]
    var final: [String: Tensor] = [:]
    try quantizer.trainingMode { session in
      learnedNames = session.trainable.filter { $0.hasSuffix("_lsq_scale") }
      #expect(learnedNames.count >= quantizer.plan.weights.count)
      // While observers set them, the learned parameters get no gradient entry (optimizers leave them alone).
      let tape = try session.forward(["input": Schedule.batch(0).x])
      let gradients = try tape.backward(seed: ["logits": Tensor(shape: [32, 10], floats: Array(repeating: 0.1, count: 320))])
      #expect(!gradients.keys.contains { $0.contains("_lsq_") })
      #expect(gradients.keys.contains { $0.hasSuffix("weight") || $0.hasSuffix(".qat") })
      for k in 0..<2 { try Schedule.trainStep(quantizer, session, &optimizer, k) }
      // step() after step 1 copied the observers' qparams in: the weight parameters equal the weight qparams.
      for (index, weight) in quantizer.plan.weights.enumerated() {
        let name = try #require(learnedNames.first { $0 == weight.initializer + "_lsq_scale" })
        #expect(session.parameters[name]!.scalars(as: Float.self) == quantizer.weightQParams(index)!.scale)
      }
      atDisable = session.parameters.filter { learnedNames.contains($0.key) }
      for k in 2..<6 { try Schedule.trainStep(quantizer, session, &optimizer, k) }
      final = session.parameters.filter { learnedNames.contains($0.key) }
    }
    // Every weight scale trains; activation scales train too, though per-tensor LSQ steps are tiny at lr 0.01
    // (gradient scale 1/√(features · 127)) and a few may not move a float32 ulp in four steps.
    let moved = Set(learnedNames.filter { final[$0] != atDisable[$0] })
    for weight in quantizer.plan.weights {
      #expect(moved.contains(weight.initializer + "_lsq_scale"), "\(weight.initializer) learns")
    }
    #expect(moved.count > quantizer.plan.weights.count, "activation scales learn too")
    // The quantizer adopted the learned weight scales (guarded: all positive here).
    for (index, weight) in quantizer.plan.weights.enumerated() {
      let name = try #require(learnedNames.first { $0 == weight.initializer + "_lsq_scale" })
      #expect(quantizer.weightQParams(index)!.scale == final[name]!.scalars(as: Float.self))
    }
    // The exported model runs the learned qparams: its logits equal the prepared model's.
    guard ExportOracle.available() else { return }
    let x = Schedule.batch(41).x
    let expected = try prepared(["input": x])["logits"]!
    let exported = try ExportOracle.run(
      quantizer.finalize(backend: .onnx), inputs: ["input": x], runtime: .ortUnoptimized)
    #expect(maxAbsDiff(exported, expected) <= 1e-3)
  }

  @Test func unknownImplementationsAndUnsupportedSpecsAreErrors() throws {
    var typo = QuantizationSpec.defaultActivation
    typo.fakeQuantize = "lqs"
    let config = QuantizerConfig(global: ModuleQuantizerConfig(opInputSpec: .all(typo)))
    #expect {
      try Quantizer(QATDigitsTests.model, config: config)
    } throws: { error in
      let e = error as? QuantizationError
      return e?.message.contains("unknown fake_quantize_cls 'lqs'") == true && e?.help?.contains("lsq") == true
    }
    let fp8 = QuantizationSpec(dtype: .float8_e4m3fn, fakeQuantize: "lsq")
    let quantizer = try Quantizer(
      QATDigitsTests.model,
      config: QuantizerConfig(
        global: ModuleQuantizerConfig(opInputSpec: .disabled, opOutputSpec: .disabled, opStateSpec: ["weight": fp8])))
    _ = try quantizer.prepare(exampleInputs: [["input": Schedule.batch(40).x]])
    #expect {
      try quantizer.trainingMode { _ in }
    } throws: { error in
      (error as? QuantizationError)?.message.contains("no integer grid") == true
    }
  }
}
