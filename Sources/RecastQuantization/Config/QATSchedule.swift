/// When a QAT event happens: after a number of optimizer steps or at a (possibly fractional) epoch.
public enum Milestone: Sendable, Hashable, CustomStringConvertible {
  /// After this many optimizer steps (0 = from the start).
  case step(Int)
  /// At this epoch (`1.5` = halfway through the second epoch); converted to steps once the epoch length is known.
  case epoch(Double)

  public var description: String {
    switch self {
    case .step(let step): "step \(step)"
    case .epoch(let epoch): "epoch \(epoch)"
    }
  }

  /// The step number, given the number of steps per epoch (epochs round down to a whole step).
  public func step(stepsPerEpoch: Int) -> Int {
    switch self {
    case .step(let step): step
    case .epoch(let epoch): Int((epoch * Double(stepsPerEpoch)).rounded(.down))
    }
  }
}

/// coreai-opt's QAT schedule (`qat_schedule`) plus Recast's `freeze_bn`. A `nil` milestone never happens.
public struct QATSchedule: Sendable, Hashable {
  /// Observers start updating ranges.
  public var enableObserver: Milestone?
  /// Fake quantization starts affecting the forward pass.
  public var enableFakeQuant: Milestone?
  /// Observers stop: qparams are frozen from here on.
  public var disableObserver: Milestone?
  /// BatchNorm running statistics are frozen and used in training.
  public var freezeBN: Milestone?

  public init(
    enableObserver: Milestone? = .step(0), enableFakeQuant: Milestone? = .step(0), disableObserver: Milestone? = nil,
    freezeBN: Milestone? = nil
  ) {
    self.enableObserver = enableObserver
    self.enableFakeQuant = enableFakeQuant
    self.disableObserver = disableObserver
    self.freezeBN = freezeBN
  }
}
