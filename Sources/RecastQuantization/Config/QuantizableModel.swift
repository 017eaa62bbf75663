public import RecastGraph
import RecastTensor

/// The quantization view of a model: its quantizable ops with all their names, and the module tree.
///
/// Built once per model; config resolution and `recast inspect`/`explain` read it. Data tensors are told apart from
/// shape arithmetic by inferred element types (a value of unknown type counts as floating point).
public struct QuantizableModel: Sendable {
  /// Quantizable ops in graph order.
  public private(set) var ops: [QuantizableOp]
  /// Every module seen in node metadata or node names, root (`""`) first, then in order of first appearance.
  public private(set) var modules: [ModuleInfo]
  /// Every op name a graph-mode config could mention (aten-style, ONNX and exporter names of all named nodes).
  public private(set) var allOpNames: [String]
  /// Every op name an eager-mode config could mention (call-site names and ONNX names of all named nodes).
  public private(set) var allEagerOpNames: [String]
  /// Every op type a config could mention (ONNX types, aten types and aliases of all nodes).
  public private(set) var allOpTypes: [String]
  /// Graph input names (runtime inputs only) and output names, for module boundaries.
  public private(set) var graphInputs: [String]
  public private(set) var graphOutputs: [String]
  /// For each module path, the tensors crossing its boundary and its parameters.
  public private(set) var boundaries: [String: ModuleBoundary]

  /// True when at least one module has a known class (dynamo exports); TorchScript exports have none.
  public var hasModuleTypes: Bool { modules.contains { $0.type != nil } }

  /// Builds the view of `model`'s top-level graph.
  public init(_ model: Model) {
    let graph = model.graph
    let inferred = try? graph.inferredShapes()
    let producers = graph.producerIndex()
    let consumers = graph.consumerIndex()
    func constantTensor(_ value: String) -> Tensor? {
      if let tensor = graph.initializers[value] { return tensor }
      return producers[value].flatMap { graph.nodes[$0].constantTensor }
    }
    func isConstant(_ value: String) -> Bool { constantTensor(value) != nil }
    func shape(_ value: String) -> [Dimension]? {
      constantTensor(value).map { $0.shape.map { Dimension.fixed($0) } } ?? inferred?.shape(of: value)
        ?? graph.valueType(of: value)?.shape
    }
    func rank(_ value: String) -> Int? { shape(value)?.count }
    func isFloat(_ value: String) -> Bool {
      guard let type = inferred?.values[value]?.elementType ?? graph.valueType(of: value)?.elementType else {
        return true
      }
      return [.float32, .float16, .bfloat16, .float64].contains(type)
    }

    let biasAdds = Self.linearBiasAdds(graph: graph, consumers: consumers, isConstant: isConstant, rank: rank)
    let fusedAdds = Set(biasAdds.values)
    var ops: [QuantizableOp] = []
    var modules: [String: ModuleInfo] = ["": ModuleInfo(path: "")]
    var moduleOrder = [""]
    var names: [String] = []
    var eagerNames: [String] = []
    var types: Set<String> = []
    var atenCounts: [String: Int] = [:]
    var callCounts: [String: Int] = [:]
    var nodeModules: [[String]] = []
    for (index, node) in graph.nodes.enumerated() {
      let stack = ModuleStack(node: node)
      nodeModules.append(stack.modules.map(\.path))
      for module in stack.modules {
        if modules[module.path] == nil { moduleOrder.append(module.path) }
        if modules[module.path]?.type == nil { modules[module.path] = module }
      }
      guard node.opType != "Constant", node.domain.isEmpty || node.domain == "ai.onnx", !fusedAdds.contains(index)
      else { continue }
      let innermost = stack.modules.last ?? ModuleInfo(path: "")
      let hasFloatData = node.presentOutputs.contains(where: isFloat)
      guard hasFloatData,
        let atenType = OpCatalog.atenType(of: node, moduleType: innermost.type, constant: isConstant, rank: rank)
      else { continue }
      let count = atenCounts[atenType, default: 0]
      atenCounts[atenType] = count + 1
      let atenName = count == 0 ? atenType : "\(atenType)_\(count)"
      let eagerName = Self.callSiteName(atenType, module: innermost.path, counts: &callCounts)
      names.append(atenName)
      eagerNames.append(eagerName)
      if !node.name.isEmpty {
        names.append(node.name)
        eagerNames.append(node.name)
      }
      if let fx = stack.exporterName { names.append(fx) }
      types.insert(node.opType)
      types.insert(atenType)
      types.formUnion(OpCatalog.typeAliases[atenType] ?? [])
      guard OpCatalog.quantizableTypes.contains(node.opType) else { continue }

      let parameters = OpCatalog.parameterSlots(of: node, constant: isConstant).filter {
        node.input($0.slot).map(isConstant) == true
      }
      var state = parameters.map {
        OpTensor(slot: $0.slot, value: node.inputs[$0.slot], parameter: $0.name, shape: shape(node.inputs[$0.slot]))
      }
      var producedValues = node.outputs
      if let add = biasAdds[index].map({ graph.nodes[$0] }) {
        if !add.name.isEmpty {
          names.append(add.name)
          eagerNames.append(add.name)
        }
        if let bias = add.presentInputs.first(where: isConstant) {
          state.append(OpTensor(slot: 2, value: bias, parameter: "bias", shape: shape(bias)))
        }
        producedValues = add.outputs
      }
      let inputs = OpCatalog.activationSlots(
        of: node, parameterSlots: Set(parameters.map(\.slot)), constant: isConstant
      )
      .filter { isFloat(node.inputs[$0]) }
      .map { OpTensor(slot: $0, value: node.inputs[$0], shape: shape(node.inputs[$0])) }
      let outputs = producedValues.enumerated().filter { !$0.element.isEmpty && isFloat($0.element) }
        .map { OpTensor(slot: $0.offset, value: $0.element, shape: shape($0.element)) }
      guard !inputs.isEmpty || !outputs.isEmpty || !state.isEmpty else { continue }
      var folded: String?
      if node.opType == "Conv", let output = node.outputs.first, let uses = consumers[output], uses.count == 1,
        graph.nodes[uses[0].node].opType == "BatchNormalization", uses[0].input == 0
      {
        folded = graph.nodes[uses[0].node].name
      }
      let weightSlot = state.first { $0.parameter == "weight" }?.slot
      ops.append(
        QuantizableOp(
          nodeIndex: index, name: node.name, atenName: atenName, eagerName: eagerName,
          exporterName: stack.exporterName.flatMap { $0 == atenName ? nil : $0 }, opType: node.opType,
          atenType: atenType, module: innermost, moduleStack: stack.modules, inputs: inputs, state: state,
          outputs: outputs, foldedBatchNorm: folded, fusedBiasAdd: biasAdds[index],
          weightAxes: weightSlot == nil ? nil : WeightAxes.forWeight(of: node, weightSlot: weightSlot)))
    }
    self.ops = ops
    self.modules = moduleOrder.map { modules[$0] ?? ModuleInfo(path: $0) }
    self.allOpNames = names
    self.allEagerOpNames = eagerNames
    self.allOpTypes = types.sorted()
    self.graphInputs = graph.runtimeInputs.map(\.name)
    self.graphOutputs = graph.outputs.map(\.name)
    self.boundaries = Self.boundaries(
      graph: graph, nodeModules: nodeModules, isConstant: isConstant, isFloat: isFloat)
  }

  /// Every op name a config in `mode` could mention.
  public func opNames(in mode: QuantizerConfig.ExecutionMode) -> [String] {
    mode == .graph ? allOpNames : allEagerOpNames
  }

  /// Eager mode's call-site name of the next `atenType` call in module `module`: `<module>.<aten type>`, numbered
  /// per type within the module (`3.conv2d`, `blk.add`, `blk.add_1`); the bare call name in the root module. Every
  /// node with an aten type counts, as every torch function call counts in coreai-opt's eager mode.
  static func callSiteName(_ atenType: String, module: String, counts: inout [String: Int]) -> String {
    let key = "\(module)\u{0}\(atenType)"
    let count = counts[key, default: 0]
    counts[key] = count + 1
    let call = count == 0 ? atenType : "\(atenType)_\(count)"
    return module.isEmpty ? call : "\(module).\(call)"
  }

  /// `MatMul` nodes that act as a `Linear` (constant 2-D right operand) followed by an `Add` of a constant 1-D bias,
  /// as TorchScript exports `nn.Linear` on inputs of rank 3 and up: MatMul index → Add index. The pair is one
  /// `linear` op (the Add gives its `bias` and output), so it is not numbered as an `add`.
  static func linearBiasAdds(
    graph: Graph, consumers: [String: [ValueUse]], isConstant: (String) -> Bool, rank: (String) -> Int?
  ) -> [Int: Int] {
    var result: [Int: Int] = [:]
    for (index, node) in graph.nodes.enumerated() where node.opType == "MatMul" {
      guard let weight = node.input(1), isConstant(weight), rank(weight) == 2, let output = node.outputs.first,
        !graph.isGraphOutput(output), let uses = consumers[output], uses.count == 1, let slot = uses[0].input
      else { continue }
      let add = graph.nodes[uses[0].node]
      guard add.opType == "Add", add.inputs.count == 2, let bias = add.input(1 - slot), isConstant(bias),
        rank(bias) == 1
      else { continue }
      result[index] = uses[0].node
    }
    return result
  }
}
