import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import Testing

@Suite("Quantizer lifecycle")
struct QuantizerLifecycleTests {
  struct Boom: Error {}

  @Test func prepareLeavesObserversOffAndFakeQuantOn() throws {
    let model = QuantizerFixtures.tinyModel()
    let quantizer = try Quantizer(
      plan: QuantizerFixtures.tinyPlan(model, weight: .int8, activations: QuantizerFixtures.activationSpec()),
      model: model)
    let x = QuantizerFixtures.input(8, seed: 1)
    let prepared = try quantizer.prepare(exampleInputs: [["x": x]])
    #expect(!quantizer.isObserverEnabled)
    #expect(quantizer.isFakeQuantEnabled)
    // Seeded from the example: the input quantizer's range is the input's own min/max.
    let values = x.scalars(as: Float.self)
    #expect(quantizer.activationRange(0)?.min == [values.min()!])
    #expect(quantizer.activationRange(0)?.max == [values.max()!])
    // Flatten shares the Relu output's qparams.
    #expect(try quantizer.activationQParams(2) == quantizer.activationQParams(1))
    // Observers off: running more batches does not move the ranges.
    let before = quantizer.activationRange(3)
    _ = try prepared(["x": QuantizerFixtures.input(8, seed: 2, scale: 5)])
    #expect(quantizer.activationRange(3) == before)
    // Outputs lie on the output quantizer's grid.
    let y = try prepared(["x": x])["y"]!.scalars(as: Float.self)
    let q = try #require(try quantizer.activationQParams(3))
    for v in y {
      let code = v / q.scale[0]
      #expect(abs(code - code.rounded()) < 1e-3)
    }
  }

  @Test func calibrationModeComputesTheFloatModelAndRestoresTheFlags() throws {
    let model = QuantizerFixtures.tinyModel()
    let quantizer = try Quantizer(
      plan: QuantizerFixtures.tinyPlan(model, weight: .int4, activations: QuantizerFixtures.activationSpec()),
      model: model)
    let prepared = try quantizer.prepare(exampleInputs: [["x": QuantizerFixtures.input(4, seed: 1)]])
    let float = try Executor(model)
    let batch = ["x": QuantizerFixtures.input(16, seed: 3)]
    let quantizedOutput = try prepared(batch)["y"]!
    try quantizer.calibrationMode {
      #expect(quantizer.isObserverEnabled)
      #expect(!quantizer.isFakeQuantEnabled)
      // Exactly the float model: same kernels, same order, no fake-quant anywhere.
      let inside = try prepared(batch)["y"]!
      let reference = try float.run(batch)["y"]!
      #expect(inside == reference)
    }
    #expect(!quantizer.isObserverEnabled)
    #expect(quantizer.isFakeQuantEnabled)
    #expect(try prepared(batch)["y"]! != float.run(batch)["y"]!)
    _ = quantizedOutput

    quantizer.disableFakeQuant()
    quantizer.enableObserver()
    #expect(throws: Boom.self) {
      try quantizer.calibrationMode { throw Boom() }
    }
    #expect(quantizer.isObserverEnabled)
    #expect(!quantizer.isFakeQuantEnabled)
    quantizer.disableObserver()
    quantizer.enableFakeQuant()
    #expect(throws: Boom.self) {
      try quantizer.calibrationMode {
        #expect(!quantizer.isFakeQuantEnabled)
        throw Boom()
      }
    }
    #expect(!quantizer.isObserverEnabled)
    #expect(quantizer.isFakeQuantEnabled)
  }

  /// The seed (example input scaled by 0.1) against two calibration batches, with and without re-seeding.
  @Test(arguments: [true, false])
  func movingAverageReseed(_ reseed: Bool) throws {
    let model = QuantizerFixtures.tinyModel()
    let quantizer = try Quantizer(
      plan: QuantizerFixtures.tinyPlan(model, weight: .int8, activations: QuantizerFixtures.activationSpec()),
      model: model)
    let seed = QuantizerFixtures.input(8, seed: 11, scale: 0.1)
    let prepared = try quantizer.prepare(exampleInputs: [["x": seed]])
    let batches = [QuantizerFixtures.input(8, seed: 12), QuantizerFixtures.input(8, seed: 13)]
    try quantizer.calibrationMode(reseed: reseed) {
      for batch in batches { _ = try prepared(["x": batch]) }
    }
    func range(_ t: Tensor) -> (Float, Float) {
      let v = t.scalars(as: Float.self)
      return (v.min()!, v.max()!)
    }
    let c = MovingAverageCalculator.defaultConstant
    var (lo, hi) = range(reseed ? batches[0] : seed)
    for batch in reseed ? [batches[1]] : batches {
      let (blo, bhi) = range(batch)
      lo += c * (blo - lo)
      hi += c * (bhi - hi)
    }
    let observed = try #require(quantizer.activationRange(0))
    #expect(observed.min == [lo])
    #expect(observed.max == [hi])
    let seedMax = range(seed).1
    if reseed {
      #expect(observed.max[0] > 5 * seedMax)  // the seed is gone
    } else {
      #expect(observed.max[0] < 2 * seedMax)  // coreai-opt: the seed moves by about 1% per batch
    }
  }

  @Test func finalizeBeforePrepareAndUnobservedActivationsAreErrors() throws {
    let model = QuantizerFixtures.tinyModel()
    let quantizer = try Quantizer(
      plan: QuantizerFixtures.tinyPlan(model, weight: .int8, activations: QuantizerFixtures.activationSpec()),
      model: model)
    #expect(throws: QuantizationError.self) { try quantizer.finalize(backend: .onnx) }
    let prepared = try quantizer.prepare(exampleInputs: [])
    #expect(throws: (any Error).self) { try prepared(["x": QuantizerFixtures.input(2, seed: 1)]) }
    #expect(throws: QuantizationError.self) { try quantizer.finalize(backend: .onnx) }
  }
}
