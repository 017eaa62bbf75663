import RecastTensor

/// The graph a `TrainingExecutor` runs: the model's graph with trainable initializers turned into inputs (so
/// they are bound per run and never constant-folded) and, in batch-statistics mode, every `BatchNormalization`
/// replaced by a training-mode node that also outputs the batch mean and variance.
struct TrainingGraph {
  /// The private domain of the training-mode nodes this rewrite introduces.
  static let domain = "ai.recast.training"

  /// One training-mode BatchNormalization: where its running statistics live and how they move.
  struct BatchNorm: Sendable {
    let runningMean: String
    let runningVariance: String
    let momentum: Float
    /// The node's batch-statistics outputs.
    let batchMean: String
    let batchVariance: String
  }

  var graph: Graph
  /// Trainable initializers, now graph inputs.
  var parameters: [String: Tensor] = [:]
  /// Every BatchNormalization running mean and variance; graph inputs too when `batchStatistics` is off.
  var runningStatistics: [String: Tensor] = [:]
  /// The training-mode BatchNormalization nodes (batch-statistics mode only).
  var batchNorms: [BatchNorm] = []
  /// Running statistics turned into graph inputs (bound per run from `TrainingExecutor.runningStatistics`): all of
  /// them without batch statistics; with batch statistics, those another node reads (a simulated Conv+BN fold
  /// reads the running variance), so that node sees the current statistics, not the imported ones.
  var boundStatistics: Set<String> = []

  /// `frozen` names BatchNormalization nodes that keep their running statistics in batch-statistics mode.
  init(
    _ source: Graph, trainable: Set<String>, batchStatistics: Bool, frozen: Set<String> = []
  ) throws(AutodiffError) {
    graph = source
    var bound = trainable.filter { source.initializers.contains($0) }
    var nodes: [Node] = []
    for node in source.nodes {
      guard node.opType == "BatchNormalization", node.domain.isEmpty || node.domain == "ai.onnx" else {
        nodes.append(node)
        continue
      }
      guard node.presentOutputs.count == 1, node.inputs.count >= 5, let y = node.outputs.first, !y.isEmpty else {
        throw AutodiffError(
          .missingRule, "node \(node.label): BatchNormalization with running-statistics outputs is not supported")
      }
      let (runningMean, runningVariance) = (node.inputs[3], node.inputs[4])
      guard let mean = source.initializers[runningMean], let variance = source.initializers[runningVariance] else {
        throw AutodiffError(
          .missingRule, "node \(node.label): the running mean and variance must be initializers for training")
      }
      guard !trainable.contains(runningMean), !trainable.contains(runningVariance) else {
        throw AutodiffError(
          .unknownTrainable, "node \(node.label): running statistics are updated, not trained; do not list them")
      }
      runningStatistics[runningMean] = mean
      runningStatistics[runningVariance] = variance
      if batchStatistics && !frozen.contains(node.name) {
        let statistics = ("\(y)::batch_mean", "\(y)::batch_var")
        var attributes: OrderedMap<String, Attribute> = [:]
        attributes["epsilon"] = .float(node.float("epsilon", default: 1e-5))
        nodes.append(
          Node(
            name: node.name, opType: "BatchNormalization", domain: Self.domain,
            inputs: Array(node.inputs[0..<3]), outputs: [y, statistics.0, statistics.1], attributes: attributes))
        batchNorms.append(
          BatchNorm(
            runningMean: runningMean, runningVariance: runningVariance,
            momentum: node.float("momentum", default: 0.9), batchMean: statistics.0, batchVariance: statistics.1))
      } else {
        nodes.append(node)
      }
    }
    graph.nodes = nodes
    let readByNodes = Set(nodes.flatMap(\.presentInputs))
    for name in runningStatistics.keys where !batchStatistics || readByNodes.contains(name) {
      bound.insert(name)
      boundStatistics.insert(name)
    }
    for name in source.initializers.keys where bound.contains(name) {
      let tensor = source.initializers[name]!
      if trainable.contains(name) { parameters[name] = tensor }
      _ = graph.initializers.removeValue(forKey: name)
      if !graph.inputs.contains(where: { $0.name == name }) {
        graph.inputs.append(ValueInfo(name: name, elementType: tensor.dtype, shape: tensor.shape.map { .fixed($0) }))
      }
    }
    // In batch-statistics mode the running statistics are usually read by no node: drop those from the plan.
    let read = Set(
      nodes.flatMap(\.presentInputs) + nodes.flatMap { $0.subgraphs.flatMap { $0.outerScopeReferences() } })
    for norm in batchNorms {
      for name in [norm.runningMean, norm.runningVariance] where !read.contains(name) {
        _ = graph.initializers.removeValue(forKey: name)
      }
    }
  }

  /// The kernel of the training-mode BatchNormalization nodes: `[x, scale, bias] → [y, mean, variance]`.
  static let batchNormKernel = CustomKernel(domain: domain, opType: "BatchNormalization") { node in
    let epsilon = node.float("epsilon", default: 1e-5)
    return { inputs in
      guard inputs.count >= 3, let x = inputs[0], let scale = inputs[1], let bias = inputs[2] else {
        throw TensorError("BatchNormalization: X, scale and B are required")
      }
      let r = try Tensor.batchNormTraining(x, scale: scale, bias: bias, epsilon: epsilon)
      return [r.output, r.mean, r.variance]
    }
  }
}
