import Foundation

/// The learning rate at each optimizer step: an optional linear warm-up, then a constant, cosine or step decay.
///
/// With `base` the optimizer's rate, `w = warmupSteps`, `T` the total number of steps and `t = step − w`:
/// - warm-up (`step < w`): `base · (step + 1) / (w + 1)`, rising linearly towards `base`;
/// - `constant`: `base`;
/// - `cosine(minimum:)`: `min + (base − min) · (1 + cos(π · t / (T − w))) / 2` (PyTorch's `CosineAnnealingLR` with
///   `T_max = T − w`, evaluated per step), reaching `min` at the last step's end;
/// - `step(every:gamma:)`: `base · γ^⌊t / every⌋` (PyTorch's `StepLR`, in steps).
public struct LearningRateSchedule: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    case constant
    case cosine(minimum: Float)
    case step(every: Int, gamma: Float)
  }

  public var kind: Kind
  public var warmupSteps: Int

  public init(_ kind: Kind = .constant, warmupSteps: Int = 0) {
    self.kind = kind
    self.warmupSteps = Swift.max(0, warmupSteps)
  }

  public static let constant = LearningRateSchedule(.constant)

  /// The rate for optimizer step `step` (from 0) of `totalSteps`.
  public func learningRate(base: Float, step: Int, totalSteps: Int) -> Float {
    if step < warmupSteps { return base * Float(step + 1) / Float(warmupSteps + 1) }
    let t = step - warmupSteps
    switch kind {
    case .constant:
      return base
    case .cosine(let minimum):
      let span = Swift.max(1, totalSteps - warmupSteps)
      let progress = Double(Swift.min(t, span)) / Double(span)
      return minimum + (base - minimum) * Float((1 + cos(Double.pi * progress)) / 2)
    case .step(let every, let gamma):
      return base * Float(pow(Double(gamma), Double(t / Swift.max(1, every))))
    }
  }
}
