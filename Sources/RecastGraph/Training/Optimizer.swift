public import RecastTensor

/// A first-order optimizer: updates named float32 parameters in place from their gradients.
///
/// `SGD`, `Adam` and `AdamW` conform. `learningRate` is read at every `step`, so a schedule sets it between steps
/// (`LearningRateSchedule`). Parameters without a gradient are left unchanged; state (momentum, moments) is kept
/// per parameter name.
public protocol Optimizer: Sendable {
  var learningRate: Float { get set }
  /// Applies one update to every parameter that has a gradient.
  mutating func step(_ parameters: inout [String: Tensor], gradients: [String: Tensor])
    throws(TensorError)
}

extension SGD: Optimizer {}

extension Optimizer {
  /// The parameter and its gradient as float arrays, checked to be float32 of one shape.
  static func operands(
    _ name: String, _ parameter: Tensor, _ gradient: Tensor, optimizer: String
  ) throws(TensorError) -> (p: [Float], g: [Float]) {
    guard gradient.shape == parameter.shape, gradient.dtype == .float32, parameter.dtype == .float32
    else {
      throw TensorError(
        "\(optimizer): '\(name)' is \(parameter.dtype) \(parameter.shape); its gradient \(gradient.dtype) "
          + "\(gradient.shape)")
    }
    return (parameter.scalars(as: Float.self), gradient.scalars(as: Float.self))
  }
}
