import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// Recast's training losses against PyTorch (`Fixtures/make_loss_fixtures.py`): cross-entropy with and without
/// label smoothing, mean squared error and temperature distillation, value and gradient.
@Suite("Losses match PyTorch")
struct LossTorchTests {
  struct Case: Decodable, Sendable, CustomTestStringConvertible {
    let loss: String
    let shape: [Int]
    let label_smoothing: Float?
    let temperature: Float?
    let labels: [Int]?
    let prediction: [Float]
    let target: [Float]?
    let value: Double
    let gradient: [Float]

    var testDescription: String {
      "\(loss) \(shape)" + (label_smoothing.map { " ε \($0)" } ?? "") + (temperature.map { " T \($0)" } ?? "")
    }
  }

  struct File: Decodable {
    let torch: String
    let cases: [Case]
  }

  static let file: File = try! JSONDecoder().decode(
    File.self, from: Data(contentsOf: Paths.repository("Tests/RecastGraphTests/Fixtures/loss_cases.json")))

  /// float32 arithmetic on both sides (PyTorch's log-softmax, Recast's with a Double accumulation), so values agree
  /// to a few float32 ulps of the larger terms: relative 1e-5, and gradients to 1e-6 absolute plus 1e-5 relative.
  @Test(arguments: file.cases)
  func lossAndGradientMatchPyTorch(_ reference: Case) throws {
    let prediction = Tensor(shape: reference.shape, floats: reference.prediction)
    let (value, gradient): (Double, Tensor)
    switch reference.loss {
    case "cross_entropy":
      (value, gradient) = try Loss.crossEntropy(
        logits: prediction, labels: try #require(reference.labels), labelSmoothing: reference.label_smoothing ?? 0)
    case "mse":
      (value, gradient) = try Loss.meanSquaredError(
        prediction: prediction, target: Tensor(shape: reference.shape, floats: try #require(reference.target)))
    default:
      (value, gradient) = try Loss.distillation(
        student: prediction, teacher: Tensor(shape: reference.shape, floats: try #require(reference.target)),
        temperature: try #require(reference.temperature))
    }
    #expect(abs(value - reference.value) <= 1e-5 * max(1, abs(reference.value)), "torch \(Self.file.torch)")
    let ours = gradient.scalars(as: Float.self)
    #expect(ours.count == reference.gradient.count)
    for (i, (a, b)) in zip(ours, reference.gradient).enumerated() {
      #expect(abs(a - b) <= 1e-6 + 1e-5 * abs(b), "gradient[\(i)]: \(a) vs torch \(b)")
    }
  }

  @Test func labelSmoothingOutsideTheUnitIntervalIsAnError() {
    let logits = Tensor(shape: [1, 3], floats: [0, 1, 2])
    #expect(throws: TensorError.self) { try Loss.crossEntropy(logits: logits, labels: [0], labelSmoothing: 1.5) }
  }
}
