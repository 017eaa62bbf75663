import Foundation
import RecastTensor

/// The mutable state of a `Quantizer` that the prepared model's kernels read and update during a run: the mode
/// flags, one calculator per observing activation quantizer, and the activation qparams computed from them.
///
/// `@unchecked Sendable`: every stored property is read and written under `lock`; kernels (which the executor
/// requires to be `@Sendable`) reach the state only through its methods.
final class QuantizerState: @unchecked Sendable {
  private let lock = NSLock()
  private let activations: [ActivationQuantizer]
  /// `root[id]`: the quantizer whose qparams `id` uses (itself unless it shares).
  let root: [Int]
  private var observerEnabled = false
  private var fakeQuantEnabled = false
  /// Current calculators of observing roots (no share, no fixed range), by id.
  private var calculators: [Int: any QParamCalculator]
  /// Unobserved calculators, for re-seeding.
  private let blanks: [Int: any QParamCalculator]
  /// Cached qparams per root id; `nil` when never observed or stale (`dirty`).
  private var qparams: [QParams?]
  private var dirty: Set<Int> = []
  /// Roots whose next observation replaces the state instead of updating it (calibration re-seed).
  private var reseedPending: Set<Int> = []

  init(plan: QuantizationPlan, registry: QParamCalculatorRegistry) throws(QuantizationError) {
    activations = plan.activations
    var root = [Int](repeating: 0, count: plan.activations.count)
    for (index, quantizer) in plan.activations.enumerated() {
      guard quantizer.id == index else {
        throw QuantizationError(
          "activation quantizer at index \(index) has id \(quantizer.id); ids must index the plan")
      }
      var current = index
      var hops = 0
      while let next = plan.activations[current].sharesQParamsWith {
        guard next >= 0, next < plan.activations.count, hops < plan.activations.count else {
          throw QuantizationError("activation quantizer \(index) ('\(quantizer.value)') shares qparams in a cycle")
        }
        (current, hops) = (next, hops + 1)
      }
      root[index] = current
    }
    self.root = root
    var calculators: [Int: any QParamCalculator] = [:]
    var qparams = [QParams?](repeating: nil, count: plan.activations.count)
    for quantizer in plan.activations where quantizer.sharesQParamsWith == nil {
      if let fixed = quantizer.fixedRange {
        guard let lo = fixed.min, let hi = fixed.max else {
          throw QuantizationError("fixed range of '\(quantizer.value)' needs both bounds")
        }
        qparams[quantizer.id] = try QParams.compute(min: [Float(lo)], max: [Float(hi)], spec: quantizer.spec)
      } else {
        calculators[quantizer.id] = try registry.make(for: quantizer.spec, role: .activation)
      }
    }
    self.calculators = calculators
    self.blanks = calculators
    self.qparams = qparams
  }

  var isObserverEnabled: Bool {
    get { lock.withLock { observerEnabled } }
    set { lock.withLock { observerEnabled = newValue } }
  }

  var isFakeQuantEnabled: Bool {
    get { lock.withLock { fakeQuantEnabled } }
    set { lock.withLock { fakeQuantEnabled = newValue } }
  }

  /// Both flags at once (for restoring a mode).
  var flags: (observer: Bool, fakeQuant: Bool) {
    get { lock.withLock { (observerEnabled, fakeQuantEnabled) } }
    set { lock.withLock { (observerEnabled, fakeQuantEnabled) = newValue } }
  }

  /// Marks every moving-average root to restart from its next batch (`reseed: true` calibration).
  func scheduleReseed() {
    lock.withLock {
      reseedPending = Set(calculators.compactMap { $0.value is MovingAverageCalculator ? $0.key : nil })
    }
  }

  /// Cancels pending re-seeds (calibration ended before a root saw a batch: it keeps its previous state).
  func cancelReseed() { lock.withLock { reseedPending = [] } }

  /// Current qparams of quantizer `id` (through its share), computing them from the observer if stale.
  func qparams(of id: Int) throws(QuantizationError) -> QParams? {
    lock.lock()
    defer { lock.unlock() }
    return try currentQParams(root[id])
  }

  /// The observed range of quantizer `id`'s root (nil for fixed ranges and before any batch).
  func range(of id: Int) -> GroupRange? { lock.withLock { calculators[root[id]]?.range } }

  /// The calculator state of quantizer `id`'s root, for merging across workers.
  func calculator(of id: Int) -> (any QParamCalculator)? { lock.withLock { calculators[root[id]] } }

  /// Replaces the calculator of root `id` (after a merge).
  func setCalculator(_ calculator: any QParamCalculator, of id: Int) {
    lock.withLock {
      calculators[root[id]] = calculator
      dirty.insert(root[id])
    }
  }

  /// What an activation site does with a value: observe it (when observers are on and `id` owns an observer),
  /// then fake-quantize it with the root's qparams (when fake-quant is on), else pass it through.
  func process(_ id: Int, _ x: Tensor) throws -> Tensor {
    let parameters: QParams? = try {
      lock.lock()
      defer { lock.unlock() }
      let owner = root[id]
      if observerEnabled, owner == id, calculators[id] != nil {
        if reseedPending.remove(id) != nil { calculators[id] = blanks[id] }
        try calculators[id]!.observe(x)
        dirty.insert(id)
      }
      guard fakeQuantEnabled else { return nil }
      guard let parameters = try currentQParams(owner) else {
        throw QuantizationError(
          "activation quantizer \(id) ('\(activations[id].value)') has no qparams yet: "
            + "call prepare(exampleInputs:) with at least one input, or calibrate first")
      }
      return parameters
    }()
    guard let parameters else { return x }
    return try FakeQuant.apply(x, qparams: parameters, spec: activations[id].spec)
  }

  /// Must be called with `lock` held.
  private func currentQParams(_ id: Int) throws(QuantizationError) -> QParams? {
    if dirty.contains(id), let calculator = calculators[id] {
      qparams[id] = try calculator.computeQParams()
      dirty.remove(id)
    }
    return qparams[id]
  }
}
