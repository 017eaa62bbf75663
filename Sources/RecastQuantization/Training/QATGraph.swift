import RecastGraph
import RecastTensor

/// The graph a QAT session trains: the prepared float graph with an `ai.recast` `FakeQuantize` node at every
/// activation site and a `WeightFakeQuantize` node between every quantized weight and its reader, so the weight
/// fake-quant is part of the forward pass and gradients reach the float weights (straight-through estimator).
///
/// Graph mode, Conv with a folded BatchNormalization — simulated folding as torchao's QAT Conv-BN fusion does it,
/// with `s = γ / √(running_var + ε)` (per output channel, from the *running* variance):
///
/// ```
/// y = BatchNormalization(Conv(x, FQ(w · s)) / s + b, γ, β, running_mean, running_var)
/// ```
///
/// In training the BatchNormalization normalises with batch statistics and updates the running ones; after
/// `freeze_bn` it uses the running statistics, and the block computes exactly the folded Conv
/// `Conv(x, FQ(w')) + b'` with `w' = w · s`, `b' = (b − mean) · s + β`, which is what the prepared model and the
/// export run (`QATGraph.fold`). The quantized weight is the folded one throughout.
///
/// Eager mode: the imported graph, BatchNormalization trains as its own op and the Conv weight is quantized unfused.
struct QATGraph {
  /// One simulated Conv+BN fold.
  struct Fold: Sendable {
    var conv: String
    /// Trainable initializers of the training graph.
    var weight: String
    var bias: String?
    var gamma: String
    var beta: String
    var mean: String
    var variance: String
    var epsilon: Double
    /// Where the plan's graph keeps the folded weight and bias.
    var foldedWeight: String
    var foldedBias: String
  }

  /// A quantizer whose qparams are trainable parameters (`fake_quantize_cls: lsq`, see `LearnedStepSize`).
  struct LearnedSite: Sendable {
    enum Kind: Sendable, Hashable {
      /// An activation quantizer that owns its qparams (every quantizer sharing them reads the same parameters).
      case activation(root: Int)
      case weight(index: Int)
    }
    var kind: Kind
    var scale: String
    var zeroPoint: String?
  }

  var graph: Graph
  var trainable: Set<String>
  var folds: [Fold]
  var learned: [LearnedSite]

  /// Builds the training graph of `quantizer`'s plan. `sourceGraph` is the imported graph (graph mode with folded
  /// BatchNorm needs it: the plan's graph no longer has the BN parameters).
  init(quantizer: Quantizer) throws {
    let plan = quantizer.plan
    var graph = try quantizer.preparedGraph(quantized: false)
    var folds: [Fold] = []
    var trainable: Set<String> = []
    for (index, weight) in plan.weights.enumerated() {
      if weight.foldedBatchNorm != nil {
        guard weight.parameter == "weight" else { continue }  // the folded bias is recomputed after training
        guard let source = quantizer.training.sourceGraph else {
          throw QuantizationError(
            "QAT of '\(weight.node)' with its folded BatchNormalization needs the source model",
            help: "create the quantizer with Quantizer(model, config:) or Quantizer(plan:model:)")
        }
        let fold = try Self.simulateFold(
          weight, index: index, source: source, in: &graph,
          opset: quantizer.template.defaultOpset ?? 17)
        folds.append(fold)
        trainable.formUnion([fold.weight, fold.gamma, fold.beta] + (fold.bias.map { [$0] } ?? []))
        continue
      }
      let node = try quantizer.nodeIndex(weight.node, in: graph)
      guard graph.nodes[node].input(weight.slot) == weight.initializer,
        graph.initializers[weight.initializer] != nil
      else {
        throw QuantizationError(
          "QAT: weight '\(weight.initializer)' of '\(weight.node)' must be an initializer read at input \(weight.slot)"
        )
      }
      let output = graph.uniqueName(weight.initializer + "_wfq")
      graph.nodes[node].inputs[weight.slot] = output
      graph.insertNode(
        Node(
          name: graph.uniqueName(weight.initializer + "_WeightFakeQuantize"),
          opType: "WeightFakeQuantize",
          domain: RecastOps.domain, inputs: [weight.initializer], outputs: [output],
          attributes: ["weight": .int(index)]))
      trainable.insert(weight.initializer)
    }
    let learned = try Self.addLearnedQParams(quantizer: quantizer, to: &graph)
    trainable.formUnion(learned.flatMap { [$0.scale] + ($0.zeroPoint.map { [$0] } ?? []) })
    graph.removeUnusedInitializers()
    // The parameters of every weighted and normalisation op train, quantized or not.
    let slots: [String: [Int]] = [
      "Conv": [1, 2], "ConvTranspose": [1, 2], "Gemm": [1, 2], "MatMul": [0, 1],
      "BatchNormalization": [1, 2],
      "LayerNormalization": [1, 2], "Gather": [0],
    ]
    for node in graph.nodes where node.domain.isEmpty || node.domain == "ai.onnx" {
      for slot in slots[node.opType] ?? [] {
        if let name = node.input(slot), graph.initializers[name]?.dtype == .float32 {
          trainable.insert(name)
        }
      }
    }
    // BatchNorms freeze by node name (`freeze_bn`): give unnamed ones a name of their own.
    for i in graph.nodes.indices where graph.nodes[i].opType == "BatchNormalization" && graph.nodes[i].name.isEmpty {
      graph.nodes[i].name = graph.uniqueName("BatchNormalization_\(i)")
    }
    self.graph = graph
    self.trainable = trainable
    self.folds = folds
    self.learned = learned
  }

  /// Gives every fake-quant node whose quantizer learns its qparams the parameter inputs `scale` (and `zero_point`
  /// for asymmetric specs), initialised from the current qparams.
  private static func addLearnedQParams(quantizer: Quantizer, to graph: inout Graph) throws -> [LearnedSite] {
    let plan = quantizer.plan
    let state = quantizer.state
    var sites: [LearnedSite.Kind: LearnedSite] = [:]
    var order: [LearnedSite.Kind] = []
    func site(_ kind: LearnedSite.Kind, spec: QuantizationSpec, value: String, qparams: QParams?) throws -> LearnedSite
    {
      if let existing = sites[kind] { return existing }
      if let reason = spec.learnedStepSizeProblem {
        throw QuantizationError(
          "fake_quantize_cls lsq on '\(value)': \(reason); learned step sizes need an integer dtype, the zp "
            + "formulation and float32 scales", help: "use fake_quantize_cls: default for this spec")
      }
      guard let qparams else {
        throw QuantizationError(
          "fake_quantize_cls lsq on '\(value)': no qparams to start from",
          help: "call prepare(exampleInputs:) with at least one input, or calibrate, before trainingMode")
      }
      let (scale, zeroPoint) = LearnedStepSize.parameters(qparams)
      let scaleName = graph.uniqueName(value + "_lsq_scale")
      graph.initializers[scaleName] = scale
      var zeroName: String?
      if LearnedStepSize.learnsZeroPoint(spec) {
        zeroName = graph.uniqueName(value + "_lsq_zero_point")
        graph.initializers[zeroName!] = zeroPoint
      }
      let made = LearnedSite(kind: kind, scale: scaleName, zeroPoint: zeroName)
      sites[kind] = made
      order.append(kind)
      return made
    }
    for i in graph.nodes.indices where graph.nodes[i].domain == RecastOps.domain {
      let node = graph.nodes[i]
      var learned: LearnedSite?
      switch node.opType {
      case "FakeQuantize":
        let id = node.int("quantizer", default: -1)
        guard id >= 0, id < plan.activations.count else { continue }
        let root = plan.activations[state.root[id]]
        guard root.spec.fakeQuantize == LearnedStepSize.name, root.fixedRange == nil else { continue }
        learned = try site(
          .activation(root: root.id), spec: root.spec, value: root.value, qparams: try state.qparams(of: root.id))
      case "WeightFakeQuantize":
        let index = node.int("weight", default: -1)
        guard index >= 0, index < plan.weights.count,
          plan.weights[index].spec.fakeQuantize == LearnedStepSize.name
        else { continue }
        let weight = plan.weights[index]
        learned = try site(
          .weight(index: index), spec: weight.spec, value: weight.initializer,
          qparams: state.weightQParams(index)
            ?? (index < quantizer.weightQParams.count ? quantizer.weightQParams[index] : nil))
      default: continue
      }
      if let learned { graph.nodes[i].inputs += [learned.scale] + (learned.zeroPoint.map { [$0] } ?? []) }
    }
    return order.map { sites[$0]! }
  }

  /// Replaces the folded Conv of `weight` by the simulated fold (see the type's documentation).
  private static func simulateFold(
    _ weight: WeightQuantizer, index: Int, source: Graph, in graph: inout Graph, opset: Int
  ) throws -> Fold {
    guard let convIndex = graph.nodes.firstIndex(where: { $0.name == weight.node }),
      let sourceConv = source.nodes.first(where: { $0.name == weight.node && $0.opType == "Conv" }),
      let bn = source.nodes.first(where: {
        $0.name == weight.foldedBatchNorm && $0.opType == "BatchNormalization"
      })
    else {
      throw QuantizationError(
        "QAT: Conv '\(weight.node)' or BatchNormalization '\(weight.foldedBatchNorm ?? "")' not found"
      )
    }
    let conv = graph.nodes[convIndex]
    guard let foldedBias = conv.input(2), let x = conv.input(0), let y = conv.outputs.first,
      let weightName = sourceConv.input(1), let w = source.constantValue(of: weightName),
      w.dtype == .float32
    else {
      throw QuantizationError(
        "QAT: Conv '\(weight.node)' has no constant float32 weight and folded bias")
    }
    var names: [String] = []
    for slot in 1...4 {
      guard let name = bn.input(slot), let tensor = source.constantValue(of: name),
        tensor.dtype == .float32
      else {
        throw QuantizationError("QAT: \(bn.label) input \(slot) is not a constant float32 tensor")
      }
      if graph.initializers[name] == nil { graph.initializers[name] = tensor }
      names.append(name)
    }
    let trainedWeight =
      graph.initializers[weightName] == nil ? weightName : graph.uniqueName(weightName + ".qat")
    graph.initializers[trainedWeight] = w
    var bias: String?
    if let name = sourceConv.input(2) {
      guard let value = ConstantSubgraph.evaluate(name, in: source, opset: opset),
        value.dtype == .float32
      else {
        throw QuantizationError(
          "QAT: the bias of \(sourceConv.label) is not a constant float32 tensor")
      }
      let trained =
        source.initializers[name] != nil && graph.initializers[name] == nil
        ? name : graph.uniqueName(name + ".qat")
      graph.initializers[trained] = value
      bias = trained
    }
    let (gamma, beta, mean, variance) = (names[0], names[1], names[2], names[3])
    let epsilon = bn.float("epsilon", default: 1e-5)
    let channels = w.shape[0]
    let base = bn.name.isEmpty ? weightName : bn.name
    var reserved: Set<String> = []
    func fresh(_ suffix: String) -> String {
      let name = graph.uniqueName("\(base)_qat_\(suffix)", reserved: reserved)
      reserved.insert(name)
      return name
    }
    let epsilonName = fresh("epsilon")
    graph.initializers[epsilonName] = Tensor(shape: [1], floats: [epsilon])
    let weightShape = fresh("weight_shape")
    graph.initializers[weightShape] = Tensor(
      shape: [w.rank], scalars: [Int64(channels)] + Array(repeating: 1, count: w.rank - 1),
      dtype: .int64)
    let outputShape = fresh("output_shape")
    graph.initializers[outputShape] = Tensor(
      shape: [w.rank], scalars: [1, Int64(channels)] + Array(repeating: 1, count: w.rank - 2),
      dtype: .int64)

    var nodes: [Node] = []
    func add(
      _ op: String, _ inputs: [String], domain: String = "",
      attributes: OrderedMap<String, Attribute> = [:]
    )
      -> String
    {
      let output = fresh(op.lowercased())
      nodes.append(
        Node(
          name: output, opType: op, domain: domain, inputs: inputs, outputs: [output],
          attributes: attributes))
      return output
    }
    let std = add("Sqrt", [add("Add", [variance, epsilonName])])
    let scale = add("Div", [gamma, std])
    let scaledWeight = add("Mul", [trainedWeight, add("Reshape", [scale, weightShape])])
    let quantized = add(
      "WeightFakeQuantize", [scaledWeight], domain: RecastOps.domain,
      attributes: ["weight": .int(index)])
    let convOutput = fresh("conv")
    var convNode = conv
    convNode.inputs = [x, quantized]
    convNode.outputs = [convOutput]
    nodes.append(convNode)
    var unscaled = add("Div", [convOutput, add("Reshape", [scale, outputShape])])
    if let bias { unscaled = add("Add", [unscaled, add("Reshape", [bias, outputShape])]) }
    var attributes: OrderedMap<String, Attribute> = [:]
    attributes["epsilon"] = .float(epsilon)
    attributes["momentum"] = .float(bn.float("momentum", default: 0.9))
    nodes.append(
      Node(
        name: bn.name, opType: "BatchNormalization",
        inputs: [unscaled, gamma, beta, mean, variance], outputs: [y],
        attributes: attributes))
    graph.removeNodes(at: [convIndex])
    for node in nodes { graph.insertNode(node) }
    return Fold(
      conv: weight.node, weight: trainedWeight, bias: bias, gamma: gamma,
      beta: beta, mean: mean,
      variance: variance, epsilon: Double(epsilon), foldedWeight: weight.initializer,
      foldedBias: foldedBias)
  }

  /// The folded weight and bias of `fold` from trained values (`BatchNormFolding`'s formulas, in Double):
  /// `w' = w · s`, `b' = (b − mean) · s + β`, `s = γ / √(var + ε)`.
  static func fold(_ fold: Fold, values: [String: Tensor]) throws -> (weight: Tensor, bias: Tensor) {
    func doubles(_ name: String?) throws -> [Double]? {
      guard let name else { return nil }
      guard let tensor = values[name] else {
        throw QuantizationError("QAT: no trained value for '\(name)'")
      }
      return tensor.scalars(as: Float.self).map(Double.init)
    }
    guard let w = values[fold.weight], let gamma = try doubles(fold.gamma),
      let beta = try doubles(fold.beta),
      let mean = try doubles(fold.mean), let variance = try doubles(fold.variance)
    else { throw QuantizationError("QAT: missing trained values for '\(fold.conv)'") }
    let bias = try doubles(fold.bias) ?? Array(repeating: 0, count: w.shape[0])
    return BatchNormFolding.folded(
      weight: w, bias: bias, gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: fold.epsilon)
  }
}
