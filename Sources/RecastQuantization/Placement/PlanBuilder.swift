import RecastGraph

/// The working state of one `Placement.plan` call: the graph being rewritten, the blocks, and quantizer requests.
struct PlanBuilder {
  /// One ask for a quantizer on a value.
  struct Request {
    enum Kind: Int, Comparable {
      /// The producer's output spec.
      case producer = 0
      /// A module boundary spec.
      case boundary = 1
      /// A consumer's input spec.
      case consumer = 2

      static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    var value: String
    var kind: Kind
    var site: ActivationQuantizer.Site
    var spec: QuantizationSpec
    var source: SpecSource
    var reason: String
    /// Sort key in graph order: (node index, 0 = input / 1 = output, slot); graph inputs use node −1.
    var order: [Int]
    /// Values whose quantizer this one shares qparams with (value-preserving ops: their inputs).
    var sharesWith: [String] = []
    var fixedRange: ClosedRangeBounds?
    var fixedQParams: QParams?
    var displayName: String
    var eagerName: String?
  }

  let resolution: ConfigResolution
  let mode: QuantizerConfig.ExecutionMode
  /// The model's default-domain opset, for evaluating constant subgraphs.
  let opset: Int
  /// Node names by index in the imported graph (unnamed or duplicate names replaced by unique ones).
  let nodeNames: [String]
  var graph: Graph
  /// Resolved op by node name (a MatMul+Add `linear` under both nodes' names).
  var opsByNode: [String: ResolvedOp] = [:]
  /// Blocks by anchor node name, and the anchor of every claimed node.
  var blocks: [FusedBlock] = []
  var anchorOf: [String: String] = [:]
  /// Folded Conv → result.
  var folded: [String: BatchNormFolding.Folded] = [:]
  var weights: [WeightQuantizer] = []
  var requests: [Request] = []
  var opNames: [String: OpNames] = [:]

  init(resolution: ConfigResolution, graph original: Graph, mode: QuantizerConfig.ExecutionMode, opset: Int) {
    self.resolution = resolution
    self.mode = mode
    self.opset = opset
    var graph = original
    var used = Set<String>()
    for i in graph.nodes.indices {
      var name = graph.nodes[i].name
      if name.isEmpty || used.contains(name) {
        name = graph.uniqueName(name.isEmpty ? "\(graph.nodes[i].opType)_\(i)" : name, reserved: used)
        graph.nodes[i].name = name
      }
      used.insert(name)
    }
    let nodeNames = graph.nodes.map(\.name)
    self.graph = graph
    self.nodeNames = nodeNames
    for op in resolution.ops where op.op.nodeIndex < nodeNames.count {
      opsByNode[nodeNames[op.op.nodeIndex]] = op
      if let add = op.op.fusedBiasAdd, add < nodeNames.count { opsByNode[nodeNames[add]] = op }
    }
    opNames = EagerNames.names(for: resolution.ops.map(\.op), nodeName: { nodeNames[$0] })
  }

  /// The node names of `op`'s own nodes: its node and a fused bias Add.
  func nodes(of op: QuantizableOp) -> [String] {
    [nodeNames[op.nodeIndex]] + (op.fusedBiasAdd.map { [nodeNames[$0]] } ?? [])
  }

  // MARK: Blocks and folding

  /// Claims fusion-pattern blocks whose first node is a quantizable op.
  mutating func matchBlocks(patterns: [FusionPattern]) {
    for match in PatternRegistry.matches(in: graph, patterns: patterns) {
      let names = match.nodes.map { graph.nodes[$0].name }
      guard let anchor = opsByNode[names[0]], nodeNames[anchor.op.nodeIndex] == names[0] else { continue }
      // A MatMul+Add `linear` is one op: a pattern may not split it.
      let own = Set(nodes(of: anchor.op))
      guard own.isSubset(of: Set(names)) || own.count == 1 else { continue }
      blocks.append(FusedBlock(pattern: match.pattern, nodes: names))
      for name in names { anchorOf[name] = names[0] }
    }
  }

  /// Folds every Conv's BatchNormalization (`QuantizableOp.foldedBatchNorm`) that is in inference form.
  mutating func foldBatchNorms() throws(QuantizationError) {
    var pairs: [(conv: String, bn: String)] = []
    for op in resolution.ops where op.op.foldedBatchNorm != nil && op.op.opType == "Conv" {
      let conv = nodeNames[op.op.nodeIndex]
      let output = graph.nodes[op.op.nodeIndex].outputs.first
      let bnIndex = graph.nodes.indices.first {
        graph.nodes[$0].opType == "BatchNormalization" && graph.nodes[$0].inputs.first == output
      }
      guard let bnIndex, FusionPattern.isFoldableBatchNorm(graph, bnIndex) else { continue }
      let bnName = graph.nodes[bnIndex].name
      // Blocks must not cut between the Conv and its BN; a Conv claimed without its BN gets it added.
      if let anchor = anchorOf[bnName], anchor != conv { continue }
      if anchorOf[conv] == nil {
        blocks.append(FusedBlock(pattern: "bn_fold", nodes: [conv, bnName]))
        anchorOf[conv] = conv
        anchorOf[bnName] = conv
      } else if anchorOf[bnName] == nil {
        continue
      }
      pairs.append((conv, bnName))
    }
    for pair in pairs {
      guard let c = index(of: pair.conv), let b = index(of: pair.bn) else { continue }
      folded[pair.conv] = try BatchNormFolding.fold(convIndex: c, bnIndex: b, in: &graph, opset: opset)
    }
  }

  func index(of node: String) -> Int? { graph.nodes.firstIndex { $0.name == node } }

  /// The value name in `graph` for a value of the imported graph (a folded Conv's output became its BN's).
  func current(_ value: String) -> String {
    for result in folded.values where result.originalOutput == value { return result.output }
    return value
  }

  // MARK: Weights

  /// One weight quantizer per quantized state tensor, reading the folded initializer for a folded Conv.
  mutating func placeWeights() {
    for resolved in resolution.ops {
      let op = resolved.op
      let names = opNames[nodeNames[op.nodeIndex]]
      for tensor in resolved.state {
        guard let spec = tensor.spec, let parameter = tensor.tensor.parameter else { continue }
        let conv = nodeNames[op.nodeIndex]
        var initializer = tensor.tensor.value
        var foldedBN: String?
        if let fold = folded[conv], parameter == "weight" || parameter == "bias" {
          initializer = parameter == "weight" ? fold.weight : fold.bias
          foldedBN = fold.batchNorm
        }
        var reader = conv
        var slot = tensor.tensor.slot
        for name in nodes(of: op) {
          if let node = graph.nodes.first(where: { $0.name == name }), let i = node.inputs.firstIndex(of: initializer) {
            (reader, slot) = (name, i)
            break
          }
        }
        let module = names?.module ?? op.module.path
        let prefix = module.isEmpty ? "" : "\(module)."
        weights.append(
          WeightQuantizer(
            initializer: initializer, node: reader, slot: slot, parameter: parameter, spec: spec,
            source: tensor.source, foldedBatchNorm: foldedBN, displayName: prefix + parameter,
            eagerName: "\(prefix)parametrizations.\(parameter).0"))
      }
    }
  }
}
