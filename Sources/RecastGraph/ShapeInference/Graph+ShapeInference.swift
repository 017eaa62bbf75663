import RecastTensor

/// The outcome of shape inference over a graph.
public struct ShapeInferenceResult: Sendable {
  /// Element type and shape of every value (graph inputs, initializers, node outputs), by name.
  public var values: [String: ValueInfo]
  /// Op types without a shape rule, sorted; their outputs (and what depends on them) stay unknown.
  public var unsupportedOps: [String]

  /// The inferred shape of `name`, if known.
  public func shape(of name: String) -> [Dimension]? { values[name]?.shape }
}

/// Static shape and type inference, keeping symbolic dimensions (`batch`, `seq`).
///
/// Small constants and shape tensors are folded with symbolic elements, so exporter-generated shape arithmetic
/// (`Shape → Gather → Unsqueeze → Concat → Reshape`) resolves to `[batch, 256]`. Not covered: subgraphs
/// (`If`/`Loop` outputs stay unknown), ops outside the supported list (reported in `unsupportedOps`), and
/// symbolic arithmetic beyond `x·1`/`x+0` (e.g. `seq * 12` becomes unknown).
extension Graph {
  /// Infers types and shapes of every value. `inputShapes` overrides the declared shapes of graph inputs (for
  /// example `["input": ["batch", 1, 8, 8]]`). Throws `.shapeInference` naming the node and shapes on a mismatch.
  public func inferredShapes(inputShapes: [String: [Dimension]] = [:]) throws(GraphError) -> ShapeInferenceResult {
    var inferencer = ShapeInferencer()
    try inferencer.run(self, inputShapes: inputShapes)
    var values: [String: ValueInfo] = [:]
    for (name, value) in inferencer.values {
      values[name] = ValueInfo(name: name, elementType: value.dtype, shape: value.shape)
    }
    return ShapeInferenceResult(values: values, unsupportedOps: inferencer.unsupported.sorted())
  }

  /// Runs `inferredShapes(inputShapes:)` and records the result: `valueInfo` gets an entry for every node output
  /// that is not a graph output (in node order, replacing earlier entries), graph inputs take `inputShapes`, and
  /// graph outputs get the inferred type and any dimension they left unknown.
  @discardableResult
  public mutating func inferShapes(inputShapes: [String: [Dimension]] = [:]) throws(GraphError)
    -> ShapeInferenceResult
  {
    let result = try inferredShapes(inputShapes: inputShapes)
    for i in inputs.indices {
      if let shape = inputShapes[inputs[i].name] { inputs[i].shape = shape }
    }
    let outputNames = Set(outputs.map(\.name))
    var declared = OrderedMap<String, ValueInfo>(valueInfo.map { ($0.name, $0) })
    for node in nodes {
      for name in node.outputs where !name.isEmpty && !outputNames.contains(name) {
        guard let inferred = result.values[name], inferred.elementType != nil || inferred.shape != nil else { continue }
        var info = declared[name] ?? ValueInfo(name: name)
        info.elementType = inferred.elementType ?? info.elementType
        info.shape = inferred.shape ?? info.shape
        declared[name] = info
      }
    }
    valueInfo = Array(declared.values)
    for i in outputs.indices {
      guard let inferred = result.values[outputs[i].name] else { continue }
      outputs[i].elementType = outputs[i].elementType ?? inferred.elementType
      guard let shape = inferred.shape else { continue }
      if let existing = outputs[i].shape, existing.count == shape.count {
        outputs[i].shape = zip(existing, shape).map { old, new in old == .unknown ? new : old }
      } else if outputs[i].shape == nil {
        outputs[i].shape = shape
      }
    }
    return result
  }
}

/// Walks a graph in topological order applying each op's shape rule.
struct ShapeInferencer {
  var values: [String: InferredValue] = [:]
  var unsupported: Set<String> = []

  mutating func run(_ graph: Graph, inputShapes: [String: [Dimension]]) throws(GraphError) {
    for input in graph.inputs {
      values[input.name] = InferredValue(dtype: input.elementType, shape: inputShapes[input.name] ?? input.shape)
    }
    for (name, tensor) in graph.initializers { values[name] = InferredValue(tensor: tensor) }
    for index in try graph.topologicalOrder() {
      let node = graph.nodes[index]
      let outputs = try infer(node)
      for (slot, name) in node.outputs.enumerated() where !name.isEmpty {
        values[name] = slot < outputs.count ? outputs[slot] : .unknown
      }
    }
  }

  /// What is known about input `slot` of `node` (unknown when omitted or never computed).
  func input(_ node: Node, _ slot: Int) -> InferredValue {
    guard let name = node.input(slot) else { return .unknown }
    return values[name] ?? .unknown
  }

  /// A shape-inference error naming the node.
  func failure(_ node: Node, _ message: String) -> GraphError {
    GraphError(.shapeInference, "node \(node.label): \(message)")
  }

  /// Dispatches on the op type. Returns one value per output (missing trailing entries are unknown).
  mutating func infer(_ node: Node) throws(GraphError) -> [InferredValue] {
    guard node.domain.isEmpty || node.domain == "ai.onnx" else {
      unsupported.insert("\(node.domain).\(node.opType)")
      return []
    }
    switch node.opType {
    case "Relu", "Erf", "Sqrt", "Neg", "Abs", "Exp", "Log", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Identity",
      "LeakyRelu", "Gelu", "HardSigmoid", "HardSwish", "Reciprocal", "Floor", "Ceil", "Round", "Sin", "Cos",
      "Clip", "Dropout", "Not", "Softplus", "Elu", "Selu", "PRelu":
      return try unary(node)
    case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "And", "Or", "Xor", "Equal", "Greater",
      "GreaterOrEqual", "Less", "LessOrEqual", "Sum", "Mean":
      return try elementwise(node)
    case "Where": return try whereOp(node)
    case "Cast", "CastLike": return cast(node)
    case "Constant": return try constant(node)
    case "ConstantOfShape": return constantOfShape(node)
    case "Shape": return shapeOp(node)
    case "Size": return [InferredValue(dtype: .int64, shape: [], constant: sizeConstant(node))]
    case "Reshape": return try reshape(node)
    case "Flatten": return try flatten(node)
    case "Squeeze": return try squeeze(node)
    case "Unsqueeze": return try unsqueeze(node)
    case "Concat": return try concat(node)
    case "Gather": return try gather(node)
    case "Transpose": return try transpose(node)
    case "Expand": return try expand(node)
    case "Slice": return try slice(node)
    case "Range": return range(node)
    case "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
      "ReduceSumSquare", "ReduceLogSumExp":
      return try reduce(node)
    case "Conv": return try conv(node)
    case "MaxPool", "AveragePool", "LpPool": return try pool(node)
    case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool": return globalPool(node)
    case "BatchNormalization": return batchNorm(node)
    case "LayerNormalization": return try layerNorm(node)
    case "Gemm": return try gemm(node)
    case "MatMul": return try matMul(node)
    case "QuantizeLinear": return quantize(node)
    case "DequantizeLinear": return dequantize(node)
    default:
      unsupported.insert(node.opType)
      return []
    }
  }
}
