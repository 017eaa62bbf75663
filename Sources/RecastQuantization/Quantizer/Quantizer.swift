import RecastDiagnostics
public import RecastGraph
public import RecastTensor

/// Carries out a `QuantizationPlan`: prepares a fake-quantized model, calibrates its activation observers, and
/// finalizes it for a backend (DESIGN.md §3.4).
///
/// ```swift
/// let quantizer = try Quantizer(plan: plan, model: model)
/// let prepared = try quantizer.prepare(exampleInputs: [x])       // weights quantized, fake-quant on
/// try quantizer.calibrationMode { for batch in calibration { _ = try prepared(batch) } }
/// let finalized = try quantizer.finalize(backend: .onnx)
/// ```
///
/// Modes are two flags shared with the prepared model: observers (activation calculators update from every
/// batch) and fake-quant (sites and weights quantize-dequantize). `prepare` leaves observers off and fake-quant on;
/// `calibrationMode` turns fake-quant off and observers on for its body and restores both on exit.
///
/// Not thread-safe for mode changes; a prepared model may run on several threads (observers update under a lock).
public final class Quantizer {
  /// Export choices that are not part of the plan.
  public struct Options: Sendable, Hashable {
    /// How Conv/Gemm biases next to quantized inputs and weights are exported (and rounded in the prepared model).
    public var biasQuantization: BiasQuantization

    public init(biasQuantization: BiasQuantization = .int32) { self.biasQuantization = biasQuantization }
  }

  /// Turns a model and a config into a plan (the placement pass).
  public typealias Planner = (_ model: Model, _ config: QuantizerConfig) throws -> QuantizationPlan

  /// The plan; QAT (`trainingMode`) writes the trained float weights (BN-folded in graph mode) into its graph.
  public internal(set) var plan: QuantizationPlan
  public let options: Options
  /// Opset imports, IR version and producer fields of the source model (its graph is `plan.graph`).
  let template: Model
  let registry: QParamCalculatorRegistry
  let state: QuantizerState
  let biasSites: [BiasSite]
  /// Weight qparams and fake-quantized weights, by `plan.weights` index (empty before `prepare`).
  var weightQParams: [QParams] = []
  var fakeQuantizedWeights: [Tensor] = []
  /// QAT state: the source graph, the config's schedules, the training executor and the step count.
  let training: QATStore

  /// A quantizer for `plan`. `model` supplies the opset imports and metadata the plan's graph came with (its graph
  /// is not used); without it the graph is taken to be `ai.onnx` opset 17.
  public init(
    plan: QuantizationPlan, model: Model? = nil, registry: QParamCalculatorRegistry = .shared,
    options: Options = Options()
  ) throws {
    self.plan = plan
    self.options = options
    self.registry = registry
    var template = model ?? Model(graph: plan.graph, opsetImports: ["": 17])
    template.graph = plan.graph
    self.template = template
    let specs = plan.activations.map { ($0.value, $0.spec) } + plan.weights.map { ($0.initializer, $0.spec) }
    for (value, spec) in specs where !LearnedStepSize.fakeQuantizeNames.contains(spec.fakeQuantize) {
      let known = LearnedStepSize.fakeQuantizeNames
      throw QuantizationError(
        "unknown fake_quantize_cls '\(spec.fakeQuantize)' for '\(value)'; known: \(known.joined(separator: ", "))",
        help: didYouMean(spec.fakeQuantize, among: known))
    }
    state = try QuantizerState(plan: plan, registry: registry)
    training = QATStore(sourceGraph: model?.graph)
    biasSites = options.biasQuantization == .int32 ? BiasSite.find(in: plan) : []
  }

  /// A quantizer for `model` under `config`, placed by `planner`.
  ///
  /// Integration hook: once placement lands, `Quantizer(model, config:)` passes `Placement.plan` (after
  /// `ConfigResolver`) here as the planner.
  public convenience init(
    _ model: Model, config: QuantizerConfig, planner: Planner, registry: QParamCalculatorRegistry = .shared,
    options: Options = Options()
  ) throws {
    try self.init(plan: planner(model, config), model: model, registry: registry, options: options)
    training.config = config
  }

  // MARK: - Lifecycle

  /// Quantizes the weights once (static weight qparams, then fake-quant), inserts the activation sites, seeds the
  /// activation qparams from `exampleInputs` (one float forward each, observers on), and leaves the model with
  /// observers off and fake-quant on.
  public func prepare(exampleInputs: [[String: Tensor]]) throws -> PreparedModel {
    try quantizeWeights()
    let opset = template.defaultOpset ?? 17
    let prepared = try PreparedModel(
      floatGraph: preparedGraph(quantized: false), quantizedGraph: preparedGraph(quantized: true), opset: opset,
      kernels: [
        RecastOps.fakeQuantize(state: state), RecastOps.biasFakeQuantize(state: state, weights: weightQParams),
      ],
      state: state)
    training.prepared = prepared.executors
    let saved = state.flags
    state.setAll(observer: true, fakeQuant: false)
    do {
      for inputs in exampleInputs { _ = try prepared(inputs) }
    } catch {
      state.flags = saved
      throw error
    }
    state.setAll(observer: false, fakeQuant: true)
    return prepared
  }

  /// Runs `body` in calibration mode: fake-quant off (the prepared model computes exactly the float model's
  /// outputs), observers on. The previous flags are restored on exit, also when `body` throws.
  ///
  /// - Parameter reseed: when true (default), each `moving_average` calculator restarts from the first batch it
  ///   sees in `body` (the example-input seed is dropped); false keeps the seed and moves it by `c = 0.01` per
  ///   batch (coreai-opt's behaviour).
  public func calibrationMode(reseed: Bool = true, _ body: () throws -> Void) rethrows {
    let saved = state.flags
    if reseed { state.scheduleReseed() }
    state.setAll(observer: true, fakeQuant: false)
    defer {
      state.cancelReseed()
      state.flags = saved
    }
    try body()
  }

  public func enableObserver() { state.isObserverEnabled = true }
  public func disableObserver() { state.isObserverEnabled = false }
  public func enableFakeQuant() { state.isFakeQuantEnabled = true }
  public func disableFakeQuant() { state.isFakeQuantEnabled = false }
  public var isObserverEnabled: Bool { state.isObserverEnabled }
  public var isFakeQuantEnabled: Bool { state.isFakeQuantEnabled }

  // MARK: - Inspection

  /// Current qparams of activation quantizer `id` (its share's when it shares); nil before any observation.
  public func activationQParams(_ id: Int) throws -> QParams? { try state.qparams(of: id) }

  /// The range the observer of activation quantizer `id` (or of its share) currently holds; nil for fixed ranges.
  public func activationRange(_ id: Int) -> GroupRange? { state.range(of: id) }

  /// The calculator of activation quantizer `id` (or of its share): merge another worker's into it with
  /// `merge(_:)` and hand it back with `setActivationCalculator(_:for:)`.
  public func activationCalculator(_ id: Int) -> (any QParamCalculator)? { state.calculator(of: id) }

  /// Replaces the calculator of activation quantizer `id`'s root (e.g. after merging calibration shards).
  public func setActivationCalculator(_ calculator: any QParamCalculator, for id: Int) {
    state.setCalculator(calculator, of: id)
  }

  /// Qparams of weight quantizer `index` (`plan.weights` order): as computed by `prepare`, or during QAT the ones
  /// the training graph last computed from the float weight; nil before `prepare`.
  public func weightQParams(_ index: Int) -> QParams? {
    index < plan.weights.count ? state.weightQParams(index) : nil
  }

  // MARK: - Internals

  func quantizeWeights() throws {
    guard weightQParams.isEmpty else { return }
    var qparams: [QParams] = []
    var tensors: [Tensor] = []
    for quantizer in plan.weights {
      guard let tensor = plan.graph.initializers[quantizer.initializer] else {
        throw QuantizationError("weight quantizer of '\(quantizer.node)': no initializer '\(quantizer.initializer)'")
      }
      var calculator = try registry.make(for: quantizer.spec, role: .weight)
      try calculator.observe(tensor)
      let parameters = try calculator.computeQParams()
      qparams.append(parameters)
      tensors.append(try FakeQuant.apply(tensor, qparams: parameters, spec: quantizer.spec))
    }
    (weightQParams, fakeQuantizedWeights) = (qparams, tensors)
    for (index, parameters) in qparams.enumerated() { state.setWeightQParams(parameters, for: index) }
  }

  /// The float graph with `ai.recast.FakeQuantize` at every activation site; with `quantized`, also the weights
  /// replaced by their fake-quantized values and int32-rounded biases behind `ai.recast.BiasFakeQuantize`.
  func preparedGraph(quantized: Bool) throws -> Graph {
    var graph = plan.graph
    if quantized {
      for (index, quantizer) in plan.weights.enumerated() {
        let node = try nodeIndex(quantizer.node, in: graph)
        guard graph.nodes[node].input(quantizer.slot) == quantizer.initializer else {
          throw QuantizationError(
            "weight quantizer: node '\(quantizer.node)' does not read '\(quantizer.initializer)' at \(quantizer.slot)")
        }
        let name = graph.uniqueName(quantizer.initializer + "_fq")
        graph.initializers[name] = fakeQuantizedWeights[index]
        graph.nodes[node].inputs[quantizer.slot] = name
      }
      for site in biasSites {
        let node = try nodeIndex(site.node, in: graph)
        let output = graph.uniqueName(site.initializer + "_fq")
        graph.nodes[node].inputs[2] = output
        graph.insertNode(
          Node(
            name: graph.uniqueName(site.initializer + "_BiasFakeQuantize"), opType: "BiasFakeQuantize",
            domain: RecastOps.domain, inputs: [site.initializer], outputs: [output],
            attributes: ["activation": .int(site.activation), "weight": .int(site.weight)]))
      }
      graph.removeUnusedInitializers()
    }
    try ActivationSites.insert(plan.activations, into: &graph, outputSuffix: "_fq", inputSuffix: "_float") {
      quantizer, input, output, graph in
      [
        Node(
          name: graph.uniqueName("\(quantizer.value)_FakeQuantize"), opType: "FakeQuantize", domain: RecastOps.domain,
          inputs: [input], outputs: [output], attributes: ["quantizer": .int(quantizer.id)])
      ]
    }
    return graph
  }

  func nodeIndex(_ name: String, in graph: Graph) throws -> Int {
    guard let index = graph.nodes.firstIndex(where: { $0.name == name }) else {
      throw QuantizationError("the plan names node '\(name)', which is not in the graph")
    }
    return index
  }

  /// Weight qparams after `prepare`, for the exporter.
  func preparedWeights() throws -> [QParams] {
    guard weightQParams.count == plan.weights.count else {
      throw QuantizationError("finalize needs prepare(exampleInputs:) first (the weights are not quantized yet)")
    }
    return weightQParams
  }
}
