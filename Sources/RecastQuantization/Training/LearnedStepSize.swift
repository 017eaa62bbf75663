import RecastGraph
import RecastTensor

/// Learned step size quantization (`fake_quantize_cls: lsq`; Esser et al., "Learned Step Size Quantization",
/// 2020, with the learnable offset of LSQ+ for asymmetric specs): the scale — and for asymmetric specs the zero
/// point — of a quantizer are trainable parameters of the QAT graph instead of values its observer computes.
///
/// Semantics follow PyTorch's learnable fake-quantize: while the quantizer's observer is on, the observer sets the
/// parameters (they start from the calibrated or prepared qparams); once `disable_observer` turns it off, the
/// optimizer trains them with the gradients below. For `x̂ = (clamp(round(x / s) + z, qmin, qmax) − z) · s`:
///
/// | element | ∂x̂/∂x | ∂x̂/∂s | ∂x̂/∂z |
/// |---|---|---|---|
/// | inside the range | 1 | `round(x / s) − x / s` | 0 |
/// | clamped at `qmin` | 0 | `qmin − z` | `−s` |
/// | clamped at `qmax` | 0 | `qmax − z` | `−s` |
///
/// Each group's `∂L/∂s` and `∂L/∂z` are summed over its elements and multiplied by LSQ's gradient scale
/// `1 / √(n · p)`, with `p = qmax` (127 for int8, 255 for uint8: the paper's `Q_P` for signed and unsigned data)
/// and `n` the elements per group: of the weight, or of one sample of the activation (the paper's feature count;
/// the batch is the first dimension). In the forward pass the scale is guarded (`max(s, ε)`) and the zero point
/// rounded half to even and clamped to `[qmin, qmax]`; both pass gradients straight through those steps, and a
/// non-finite learned value is an error. Elements that are NaN get no gradient. Integer dtypes in the `zp`
/// formulation with float32 scales only.
///
/// Turning an observer on again later (calibration, or an explicit `enableObserver`) hands the qparams back to it:
/// the observer's values replace the learned ones, and the next `trainingMode` starts from them.
enum LearnedStepSize {
  static let name = "lsq"
  /// The fake-quantize implementations: `default` (observer qparams, straight-through estimator) and `lsq`.
  static let fakeQuantizeNames = ["default", name]


  /// Whether the zero point is learned too (asymmetric specs).
  static func learnsZeroPoint(_ spec: QuantizationSpec) -> Bool { spec.qscheme == .asymmetric }

  /// The parameter tensors holding `qparams`: the scales in `qparams.scaleShape`, and the zero points as floats.
  static func parameters(_ qparams: QParams) -> (scale: Tensor, zeroPoint: Tensor) {
    (
      Tensor(shape: qparams.scaleShape, floats: qparams.scale),
      Tensor(shape: qparams.scaleShape, floats: qparams.zeroPoint.map(Float.init))
    )
  }

  /// The qparams the forward pass uses for parameter values `scale` and `zeroPoint` (nil: the spec's fixed one).
  static func qparams(
    scale: Tensor, zeroPoint: Tensor?, spec: QuantizationSpec, template: QParams
  ) throws(QuantizationError) -> QParams {
    let (qmin, qmax) = (Float(spec.dtype.qmin), Float(spec.dtype.qmax))
    let scales = scale.scalars(as: Float.self)
    let zeros = zeroPoint?.scalars(as: Float.self) ?? []
    guard scales.allSatisfy(\.isFinite), zeros.allSatisfy(\.isFinite) else {
      throw QuantizationError(
        "lsq: a learned scale or zero point is not finite",
        help: "lower the learning rate, or clip gradients (a train stage's grad_clip)")
    }
    var q = template
    q.scale = scales.map { Swift.max($0, QParams.epsilon) }
    if zeroPoint != nil {
      q.zeroPoint = zeros.map { Int32(Swift.min(qmax, Swift.max(qmin, $0.rounded(.toNearestOrEven)))) }
    }
    return q
  }

  /// `∂L/∂x`, `∂L/∂s` and (when `zeroPoint`) `∂L/∂z` for upstream gradient `dy` at input `x` quantized with
  /// `qparams` (see the type's documentation).
  static func gradients(
    x: Tensor, dy: Tensor, qparams: QParams, learnsZeroPoint: Bool, batched: Bool = false
  ) throws -> (dx: Tensor, dScale: Tensor, dZeroPoint: Tensor?) {
    let layout = try GroupLayout(shape: x.shape, granularity: qparams.granularity)
    let groups = qparams.scale.count
    guard layout.groupCount == groups else {
      throw QuantizationError("lsq: \(groups) scales for \(layout.groupCount) groups of shape \(x.shape)")
    }
    let (qmin, qmax) = (Double(qparams.dtype.qmin), Double(qparams.dtype.qmax))
    var dScale = [Double](repeating: 0, count: groups)
    var dZero = [Double](repeating: 0, count: groups)
    var dx = Tensor(zeros: .float32, shape: x.shape)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      dy.withUnsafeBufferPointer(as: Float.self) { pg in
        dx.withUnsafeMutableBufferPointer(as: Float.self) { pd in
          layout.forEachRun(in: 0..<layout.count) { start, end, first, stride in
            for i in start..<end {
              let g = first + (i - start) * stride
              let s = Double(qparams.scale[g])
              let z = Double(qparams.zeroPoint[g])
              let v = Double(px[i]) / s
              if v.isNaN { continue }
              let code = v.rounded(.toNearestOrEven) + z
              let upstream = Double(pg[i])
              if code < qmin {
                dScale[g] += (qmin - z) * upstream
                dZero[g] -= s * upstream
              } else if code > qmax {
                dScale[g] += (qmax - z) * upstream
                dZero[g] -= s * upstream
              } else {
                pd[i] = pg[i]
                dScale[g] += (code - z - v) * upstream
              }
            }
          }
        }
      }
    }
    let samples = batched && x.rank > 1 ? Swift.max(x.shape[0], 1) : 1
    let perGroup = Double(Swift.max(layout.count / samples / Swift.max(groups, 1), 1))
    let factor = 1 / (perGroup * Swift.max(qmax, 1)).squareRoot()
    let shape = qparams.scaleShape
    return (
      dx, Tensor(shape: shape, floats: dScale.map { Float($0 * factor) }),
      learnsZeroPoint ? Tensor(shape: shape, floats: dZero.map { Float($0 * factor) }) : nil
    )
  }

  // MARK: The fake-quant kernels' learned path

  /// Activation site `id` with learned parameters: the observer's path (`QuantizerState.process`) while the root's
  /// observer is on or fake-quant is off, else fake-quant with the parameters.
  static func activation(
    _ state: QuantizerState, _ id: Int, _ x: Tensor, scale: Tensor, zeroPoint: Tensor?
  ) throws -> Tensor {
    let modes = state.activationModes(id)
    if modes.observer || !modes.fakeQuant { return try state.process(id, x) }
    let spec = state.activationSpec(id)
    guard let template = try state.qparams(of: id) else {
      throw QuantizationError("lsq: activation quantizer \(id) has no qparams to start from; calibrate first")
    }
    let q = try qparams(scale: scale, zeroPoint: zeroPoint, spec: spec, template: template)
    state.setLearnedQParams(q, ofRoot: state.root[id])  // what sharers and the int32 bias rounding read
    return try FakeQuant.apply(x, qparams: q, spec: spec)
  }

  /// Weight `index` with learned parameters (as `activation`, with the weight observer).
  static func weight(
    _ state: QuantizerState, _ index: Int, _ w: Tensor, scale: Tensor, zeroPoint: Tensor?
  ) throws -> Tensor {
    let modes = state.weightModes(index)
    if modes.observer || !modes.fakeQuant || state.weightQParams(index) == nil {
      return try state.processWeight(index, w)
    }
    let spec = state.weightSpec(index)
    let q = try qparams(scale: scale, zeroPoint: zeroPoint, spec: spec, template: state.weightQParams(index)!)
    state.setWeightQParams(q, for: index)  // what the int32 bias rounding reads
    return try FakeQuant.apply(w, qparams: q, spec: spec)
  }

  /// The backward of a learned site: `[dx, dScale, dZeroPoint]`. While the observer sets the qparams the
  /// parameters get no gradient and `dx` is the straight-through estimate with the observer's qparams
  /// (`observerQParams`, nil when fake-quant is off).
  static func backward(
    _ context: GradientContext, modes: (observer: Bool, fakeQuant: Bool), spec: QuantizationSpec,
    template: QParams?, batched: Bool, observerQParams: () throws -> QParams?
  ) throws -> [Tensor?] {
    let x = try context.input(0)
    let dy = try context.gradient()
    guard modes.fakeQuant, let template else { return [dy, nil, nil] }
    if modes.observer {
      return [try RecastOps.straightThrough(x, dy, qparams: observerQParams()), nil, nil]
    }
    let zeroPoint = learnsZeroPoint(spec) ? try context.input(2) : nil
    let q = try qparams(scale: try context.input(1), zeroPoint: zeroPoint, spec: spec, template: template)
    let g = try gradients(x: x, dy: dy, qparams: q, learnsZeroPoint: zeroPoint != nil, batched: batched)
    return [g.dx, g.dScale, g.dZeroPoint]
  }
}

extension QuantizationSpec {
  /// Why this spec cannot learn its qparams with `fake_quantize_cls: lsq` (a float format, the `minval`
  /// formulation, scales not stored as float32), or nil when it can.
  public var learnedStepSizeProblem: String? {
    if dtype.isFloat { return "\(dtype) has no integer grid to learn a step size for" }
    if qformulation != .zp { return "the \(qformulation.rawValue) formulation stores no zero point" }
    if effectiveScaleDType != .float32 { return "scale_dtype \(effectiveScaleDType.rawValue)" }
    return nil
  }
}

extension Quantizer {
  /// Copies the current qparams into the learned parameters of every quantizer whose observer is on (called after
  /// each step, so the optimizer starts from the latest observed values once observers turn off), or of every
  /// quantizer with `all` (on entering `trainingMode` again, after calibration may have changed them).
  func syncLearnedParameters(all: Bool = false) {
    guard let session = training.session, !session.graph.learned.isEmpty else { return }
    var updates: [String: Tensor] = [:]
    for site in session.graph.learned {
      let qparams: QParams?
      switch site.kind {
      case .activation(let root):
        guard all || state.activationModes(root).observer else { continue }
        qparams = try? state.qparams(of: root)
      case .weight(let index):
        guard all || state.weightModes(index).observer else { continue }
        qparams = state.weightQParams(index)
      }
      guard let qparams else { continue }
      let (scale, zeroPoint) = LearnedStepSize.parameters(qparams)
      updates[site.scale] = scale
      if let name = site.zeroPoint { updates[name] = zeroPoint }
    }
    guard !updates.isEmpty else { return }
    session.parameters = session.parameters.merging(updates) { _, new in new }
  }

  /// Installs the learned qparams of every quantizer whose observer is off as its qparams (on leaving
  /// `trainingMode`, before the prepared model is rebuilt on them).
  func adoptLearnedQParams() throws {
    guard let session = training.session else { return }
    let values = session.parameters
    for site in session.graph.learned {
      guard let scale = values[site.scale] else { continue }
      let zeroPoint = site.zeroPoint.flatMap { values[$0] }
      switch site.kind {
      case .activation(let root):
        guard !state.activationModes(root).observer, let template = try? state.qparams(of: root) else { continue }
        let spec = state.activationSpec(root)
        state.setLearnedQParams(
          try LearnedStepSize.qparams(scale: scale, zeroPoint: zeroPoint, spec: spec, template: template),
          ofRoot: root)
      case .weight(let index):
        guard !state.weightModes(index).observer, let template = state.weightQParams(index) else { continue }
        let spec = state.weightSpec(index)
        state.setWeightQParams(
          try LearnedStepSize.qparams(scale: scale, zeroPoint: zeroPoint, spec: spec, template: template),
          for: index)
      }
    }
  }
}
