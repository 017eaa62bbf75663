import RecastDiagnostics
import RecastYAML

/// A `train` stage's settings, read from the recipe (the schema has checked their shapes and ranges).
struct TrainSettings: Sendable, Hashable {
  enum Optimizer: Sendable, Hashable {
    case sgd(lr: Double, momentum: Double, nesterov: Bool, weightDecay: Double)
    case adam(lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double, decoupled: Bool)

    var learningRate: Double {
      switch self {
      case .sgd(let lr, _, _, _), .adam(let lr, _, _, _, _): lr
      }
    }

    static func == (a: Optimizer, b: Optimizer) -> Bool { "\(a)" == "\(b)" }
    func hash(into hasher: inout Hasher) { hasher.combine("\(self)") }
  }

  enum Loss: Sendable, Hashable {
    case crossEntropy(labelSmoothing: Double)
    case mse
    case distillation(temperature: Double)

    var needsLabels: Bool {
      if case .distillation = self { return false }
      return true
    }
  }

  /// A point in training: a step count, or an epoch (converted with the epoch length).
  enum Point: Sendable, Hashable {
    case step(Int)
    case epoch(Double)

    func step(stepsPerEpoch: Int) -> Int {
      switch self {
      case .step(let step): step
      case .epoch(let epoch): Int((epoch * Double(stepsPerEpoch)).rounded(.down))
      }
    }
  }

  enum Schedule: Sendable, Hashable {
    case constant(warmup: Point?)
    case cosine(warmup: Point?, minLR: Double)
    case step(warmup: Point?, stepSize: Point, gamma: Double)
  }

  var data: String
  var epochs: Int?
  var steps: Int?
  var optimizer: Optimizer
  var loss: Loss
  var schedule: Schedule
  var gradClip: Double?
  /// The stage's own shuffle seed; nil: the data set's.
  var seed: UInt64?
  var batchSize: Int?

  init(_ step: RunStep) throws(DiagnosticError) {
    let node = step.settings
    data = step.string("data") ?? "train"
    epochs = step.int("epochs")
    steps = step.int("steps")
    seed = step.int("seed").map(UInt64.init)
    batchSize = step.int("batch_size")
    gradClip = node["grad_clip"]?.numberValue

    guard let optimizerNode = node["optimizer"], let (kind, optional) = Self.single(optimizerNode) else {
      throw DiagnosticError(.error("schema.required", "\(step.label) needs an optimizer", at: step.span))
    }
    let settings = optional ?? Node(kind: .mapping([]), span: optimizerNode.span)
    let lr = settings["lr"]?.numberValue ?? 0.01
    // PyTorch's defaults: no weight decay, except AdamW's 0.01.
    let weightDecay = settings["weight_decay"]?.numberValue ?? (kind == "adamw" ? 0.01 : 0)
    switch kind {
    case "sgd":
      let nesterov: Bool
      if case .bool(let value)? = settings["nesterov"]?.scalar?.value { nesterov = value } else { nesterov = false }
      optimizer = .sgd(
        lr: lr, momentum: settings["momentum"]?.numberValue ?? 0, nesterov: nesterov, weightDecay: weightDecay)
    default:
      let betas = settings["betas"]?.sequence?.compactMap(\.numberValue) ?? []
      optimizer = .adam(
        lr: lr, betas: betas.count == 2 ? (betas[0], betas[1]) : (0.9, 0.999),
        eps: settings["eps"]?.numberValue ?? 1e-8, weightDecay: weightDecay, decoupled: kind == "adamw")
    }

    let lossNode = node["loss"]
    let (lossKind, lossSettings) = lossNode.flatMap(Self.single) ?? (lossNode?.string ?? "cross_entropy", nil)
    switch lossKind {
    case "mse": loss = .mse
    case "distillation": loss = .distillation(temperature: lossSettings?["temperature"]?.numberValue ?? 1)
    default: loss = .crossEntropy(labelSmoothing: lossSettings?["label_smoothing"]?.numberValue ?? 0)
    }

    let scheduleNode = node["lr_schedule"]
    let (scheduleKind, scheduleSettings) =
      scheduleNode.flatMap(Self.single) ?? (scheduleNode?.string ?? "constant", nil)
    let warmup = scheduleSettings?["warmup"].flatMap(Self.point)
    switch scheduleKind {
    case "cosine": schedule = .cosine(warmup: warmup, minLR: scheduleSettings?["min_lr"]?.numberValue ?? 0)
    case "step":
      schedule = .step(
        warmup: warmup, stepSize: scheduleSettings?["step_size"].flatMap(Self.point) ?? .epoch(1),
        gamma: scheduleSettings?["gamma"]?.numberValue ?? 0.1)
    default: schedule = .constant(warmup: warmup)
    }
  }

  /// A one-key map's key and value (`{sgd: {lr: 0.01}}`); nil for a string or an empty map.
  private static func single(_ node: Node) -> (String, Node?)? {
    guard let pair = node.mapping?.first, let key = pair.key.keyString else { return nil }
    return (key, pair.value.isNull ? nil : pair.value)
  }

  /// A schedule point: an integer step count or `{at_epoch: E}`.
  static func point(_ node: Node) -> Point? {
    if let step = node.intValue { return .step(step) }
    if let epoch = node["at_epoch"]?.numberValue { return .epoch(epoch) }
    return nil
  }
}
