import Foundation
import RecastTensor

/// The mutable state of a `Quantizer` that the prepared model's kernels read and update during a run: the mode
/// flags (per quantizer, so a per-module QAT schedule can differ), one calculator per observing activation
/// quantizer, the activation qparams computed from them, and — during QAT — the weight qparams the training
/// graph's weight fake-quant nodes compute from the current float weights.
///
/// `@unchecked Sendable`: every stored property is read and written under `lock`; kernels (which the executor
/// requires to be `@Sendable`) reach the state only through its methods.
final class QuantizerState: @unchecked Sendable {
  private let lock = NSLock()
  private let activations: [ActivationQuantizer]
  /// `root[id]`: the quantizer whose qparams `id` uses (itself unless it shares).
  let root: [Int]
  /// Mode flags of every activation quantizer (by id) and weight quantizer (by `plan.weights` index).
  struct Flags: Sendable, Equatable {
    var activationObserver: [Bool]
    var activationFakeQuant: [Bool]
    var weightObserver: [Bool]
    var weightFakeQuant: [Bool]
  }

  private var modes: Flags
  private let registry: QParamCalculatorRegistry
  private let weightSpecs: [QuantizationSpec]
  /// Weight qparams set by `processWeight` (QAT) or `setWeightQParams` (prepare), by weight index.
  private var weightParameters: [QParams?]
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
    self.registry = registry
    weightSpecs = plan.weights.map(\.spec)
    weightParameters = Array(repeating: nil, count: plan.weights.count)
    modes = Flags(
      activationObserver: Array(repeating: false, count: plan.activations.count),
      activationFakeQuant: Array(repeating: false, count: plan.activations.count),
      weightObserver: Array(repeating: false, count: plan.weights.count),
      weightFakeQuant: Array(repeating: false, count: plan.weights.count))
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

  /// Whether any quantizer observes; setting it sets every quantizer's observer flag.
  var isObserverEnabled: Bool {
    get { lock.withLock { modes.activationObserver.contains(true) || modes.weightObserver.contains(true) } }
    set {
      lock.withLock {
        modes.activationObserver = modes.activationObserver.map { _ in newValue }
        modes.weightObserver = modes.weightObserver.map { _ in newValue }
      }
    }
  }

  /// Whether any quantizer fake-quantizes; setting it sets every quantizer's fake-quant flag.
  var isFakeQuantEnabled: Bool {
    get { lock.withLock { modes.activationFakeQuant.contains(true) || modes.weightFakeQuant.contains(true) } }
    set {
      lock.withLock {
        modes.activationFakeQuant = modes.activationFakeQuant.map { _ in newValue }
        modes.weightFakeQuant = modes.weightFakeQuant.map { _ in newValue }
      }
    }
  }

  /// Every quantizer's flags (for saving and restoring a mode).
  var flags: Flags {
    get { lock.withLock { modes } }
    set { lock.withLock { modes = newValue } }
  }

  /// Sets both flags of every quantizer.
  func setAll(observer: Bool, fakeQuant: Bool) {
    isObserverEnabled = observer
    isFakeQuantEnabled = fakeQuant
  }

  /// Observer state and qparams, saved before a QAT step so a step with a non-finite loss can be undone.
  struct Snapshot {
    fileprivate var calculators: [Int: any QParamCalculator]
    fileprivate var qparams: [QParams?]
    fileprivate var dirty: Set<Int>
    fileprivate var weights: [QParams?]
  }

  func snapshot() -> Snapshot {
    lock.withLock { Snapshot(calculators: calculators, qparams: qparams, dirty: dirty, weights: weightParameters) }
  }

  func restore(_ snapshot: Snapshot) {
    lock.withLock {
      (calculators, qparams, dirty, weightParameters) = (
        snapshot.calculators, snapshot.qparams, snapshot.dirty, snapshot.weights
      )
    }
  }

  // MARK: Weights (QAT)

  /// The weight qparams last computed or set for weight `index`.
  func weightQParams(_ index: Int) -> QParams? { lock.withLock { weightParameters[index] } }

  func setWeightQParams(_ parameters: QParams, for index: Int) {
    lock.withLock { weightParameters[index] = parameters }
  }

  /// What a training graph's weight fake-quant node does with the current float weight `w`: recompute the weight
  /// qparams from `w` when its observer is on (the weight calculator, from scratch, as `prepare` does), then
  /// fake-quantize with them when its fake-quant is on (else pass `w` through).
  func processWeight(_ index: Int, _ w: Tensor) throws -> Tensor {
    let parameters: QParams? = try {
      lock.lock()
      defer { lock.unlock() }
      if modes.weightObserver[index] || weightParameters[index] == nil {
        var calculator = try registry.make(for: weightSpecs[index], role: .weight)
        try calculator.observe(w)
        weightParameters[index] = try calculator.computeQParams()
      }
      return modes.weightFakeQuant[index] ? weightParameters[index] : nil
    }()
    guard let parameters else { return w }
    return try FakeQuant.apply(w, qparams: parameters, spec: weightSpecs[index])
  }

  /// The qparams the straight-through estimator of weight `index` clamps with (nil: fake-quant off, identity).
  func weightMaskQParams(_ index: Int) -> QParams? {
    lock.withLock { modes.weightFakeQuant[index] ? weightParameters[index] : nil }
  }

  /// The qparams the straight-through estimator of activation quantizer `id` clamps with (nil: fake-quant off).
  func activationMaskQParams(_ id: Int) throws(QuantizationError) -> QParams? {
    lock.lock()
    defer { lock.unlock() }
    guard modes.activationFakeQuant[id] else { return nil }
    return try currentQParams(root[id])
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
      if modes.activationObserver[id], owner == id, calculators[id] != nil {
        if reseedPending.remove(id) != nil { calculators[id] = blanks[id] }
        try calculators[id]!.observe(x)
        dirty.insert(id)
      }
      guard modes.activationFakeQuant[id] else { return nil }
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

  // MARK: Learned qparams (QAT with `fake_quantize_cls: lsq`)

  /// Whether activation quantizer `id`'s qparams come from its root's observer right now, and whether it
  /// fake-quantizes.
  func activationModes(_ id: Int) -> (observer: Bool, fakeQuant: Bool) {
    lock.withLock { (modes.activationObserver[root[id]], modes.activationFakeQuant[id]) }
  }

  /// Whether weight `index`'s qparams come from its observer right now, and whether it fake-quantizes.
  func weightModes(_ index: Int) -> (observer: Bool, fakeQuant: Bool) {
    lock.withLock { (modes.weightObserver[index], modes.weightFakeQuant[index]) }
  }

  /// The spec of activation quantizer `id` and of weight `index` (immutable: no lock needed).
  func activationSpec(_ id: Int) -> QuantizationSpec { activations[id].spec }
  func weightSpec(_ index: Int) -> QuantizationSpec { weightSpecs[index] }

  /// Installs learned qparams as activation root `id`'s current ones (until its observer computes new ones).
  func setLearnedQParams(_ parameters: QParams, ofRoot id: Int) {
    lock.withLock {
      qparams[id] = parameters
      dirty.remove(id)
    }
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
