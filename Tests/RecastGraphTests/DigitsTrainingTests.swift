import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// End to end on the digits CNN with BatchNorm (Examples/digits, always in the repository): the gradient of a
/// cross-entropy loss against central differences, and SGD steps that reduce the loss.
@Suite struct DigitsTrainingTests {
  static let folder = Paths.repository("Examples/digits")
  static let model = try! Model(contentsOf: folder.appendingPathComponent("digits_cnn_bn.onnx"))
  static let images = try! NPY.read(contentsOf: folder.appendingPathComponent("digits_train_x.npy"))
  static let labels = try! NPY.read(contentsOf: folder.appendingPathComponent("digits_train_y.npy")).integers()

  static func batch(_ range: Range<Int>) -> (Tensor, [Int]) {
    let plane = 64
    let values = Array(images.floats()[range.lowerBound * plane..<range.upperBound * plane])
    return (Tensor(shape: [range.count, 1, 8, 8], floats: values), Array(labels[range]))
  }

  /// dL/dw from the tape against central differences of the same float32 forward (the executor has no
  /// float64 path for Conv and BatchNorm; the per-op rules are checked in Double by GradientRuleTests). The loss is
  /// summed in Double, so its rounding noise is about 1e-6; with h = 1e-2 that is 1e-4 in the difference, and
  /// the weights checked are the largest-gradient ones of each tensor (gradients of order 1e-2 or more). h is
  /// large enough for the noise, small enough that the curvature error (~h²) stays below 1%; a tap crossing a
  /// ReLU or MaxPool switch would show up as a large mismatch, which the fixed batch and seed avoid.
  @Test func crossEntropyGradientMatchesCentralDifferences() throws {
    let trainable: Set<String> = ["0.weight", "1.weight", "4.bias", "7.weight", "12.weight", "14.bias"]
    var training = try TrainingExecutor(Self.model, trainable: trainable)
    let (x, y) = Self.batch(0..<32)
    let tape = try training.forward(["input": x])
    let (_, seed) = try Loss.crossEntropy(logits: tape.outputs["logits"]!, labels: y)
    let gradients = try tape.backward(seed: ["logits": seed])
    for name in trainable.sorted() {
      let analytic = gradients[name]!.floats()
      let largest = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(3)
      for index in largest {
        let original = training.parameters[name]!
        var values = original.floats()
        let h: Float = 1e-2
        func loss(_ value: Float) throws -> Double {
          values[index] = value
          training.parameters[name] = Tensor(shape: original.shape, floats: values)
          return try Loss.crossEntropy(logits: training.forward(["input": x]).outputs["logits"]!, labels: y).loss
        }
        let base = original.floats()[index]
        let numeric = (try loss(base + h) - loss(base - h)) / Double(2 * h)
        training.parameters[name] = original
        let error = abs(Double(analytic[index]) - numeric)
        #expect(
          error <= 0.02 * abs(numeric) + 2e-4,
          "d loss / d \(name)[\(index)]: tape \(analytic[index]), central difference \(numeric)")
      }
    }
  }

  /// Starting from a re-initialised classifier (zero weights, so the loss starts at ln 10), a few SGD steps on
  /// training batches drive the loss on a held-out training batch down; BatchNorm trains on batch statistics.
  @Test func sgdStepsReduceTheLoss() throws {
    let all = Set(Self.model.graph.initializers.keys.filter { !$0.contains("running") })
    var training = try TrainingExecutor(Self.model, trainable: all)
    training.parameters["14.weight"] = Tensor(zeros: .float32, shape: [10, 64])
    training.parameters["14.bias"] = Tensor(zeros: .float32, shape: [10])
    var optimizer = SGD(learningRate: 0.05, momentum: 0.9)
    let (heldOut, heldOutLabels) = Self.batch(1024..<1280)
    func heldOutLoss() throws -> Double {
      try Loss.crossEntropy(logits: training.forward(["input": heldOut]).outputs["logits"]!, labels: heldOutLabels).loss
    }
    let initial = try heldOutLoss()
    #expect(abs(initial - log(10)) < 1e-4)
    var losses: [Double] = []
    for step in 0..<12 {
      let (x, y) = Self.batch(step * 64..<(step + 1) * 64)
      let tape = try training.forward(["input": x])
      let (loss, seed) = try Loss.crossEntropy(logits: tape.outputs["logits"]!, labels: y)
      losses.append(loss)
      try optimizer.step(&training.parameters, gradients: try tape.backward(seed: ["logits": seed]))
      training.update(from: tape)
    }
    let final = try heldOutLoss()
    print("digits SGD: held-out loss \(initial) → \(final); batch losses \(losses.map { String(format: "%.3f", $0) })")
    #expect(final < 0.5 * initial)
    #expect(training.runningStatistics["1.running_mean"] != Self.model.graph.initializers["1.running_mean"])
  }
}
