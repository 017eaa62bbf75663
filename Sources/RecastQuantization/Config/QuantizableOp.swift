public import RecastGraph

/// A module of the source model: its dotted path (`""` is the root) and, when the exporter recorded it, its fully
/// qualified class (`torch.nn.modules.conv.Conv2d`).
public typealias ModuleInfo = ModuleScope

/// One tensor an op reads or writes, as config resolution sees it.
public struct OpTensor: Sendable, Hashable {
  /// The op's input or output slot.
  public var slot: Int
  /// The graph value name.
  public var value: String
  /// The parameter name for state tensors (`weight`, `bias`), else `nil`.
  public var parameter: String?
  /// The shape when known (always for parameters).
  public var shape: [Dimension]?

  public init(slot: Int, value: String, parameter: String? = nil, shape: [Dimension]? = nil) {
    self.slot = slot
    self.value = value
    self.parameter = parameter
    self.shape = shape
  }
}

/// A graph node Recast can quantize, with every name a config may use for it.
///
/// Names: `name` is the ONNX node name; `atenName` the torch graph-mode op name (`conv2d`, `conv2d_1`, `linear`,
/// `relu_3`), numbered per aten type in graph order as torch.export does; `exporterName` the FX node name the
/// dynamo exporter recorded (when it differs); `eagerName` the eager-mode call site (`3.conv2d`, `blk.add_1`),
/// numbered per aten type within the op's module. In graph mode `op_name_config` selectors match the graph-mode
/// names (`atenName`, `exporterName`), in eager mode the call site; the ONNX node name in both. Types:
/// `op_type_config` selectors may match the ONNX type (`Conv`), the aten type (`conv2d`) or an alias (`cat` /
/// `concat`, `reshape` / `view`).
public struct QuantizableOp: Sendable, Hashable {
  /// Index of the node in `model.graph.nodes`.
  public var nodeIndex: Int
  /// ONNX node name (may be empty in hand-made graphs).
  public var name: String
  /// Torch graph-mode style op name.
  public var atenName: String
  /// Eager-mode call-site name: `<module path>.<aten type>[_n]`, numbered within the module; bare in the root.
  public var eagerName: String
  /// FX node name from the dynamo exporter's metadata when present and different from `atenName`.
  public var exporterName: String?
  /// ONNX op type.
  public var opType: String
  /// aten-style op type (`conv2d`, `linear`, `matmul`, `cat`).
  public var atenType: String
  /// The module the op belongs to (innermost).
  public var module: ModuleInfo
  /// The modules containing the op, root (`""`) first, innermost last.
  public var moduleStack: [ModuleInfo]
  /// Activation inputs (float tensors that are not parameters or constants).
  public var inputs: [OpTensor]
  /// Parameters (`weight`, `bias`) for Conv, ConvTranspose, Gemm, MatMul with a constant operand and embeddings.
  public var state: [OpTensor]
  /// Outputs.
  public var outputs: [OpTensor]
  /// The BatchNormalization node (name) folded into this op's weight in graph mode, if any.
  public var foldedBatchNorm: String?
  /// For a `linear` exported as MatMul + Add: the Add node's index. It supplies the `bias` parameter and the op's
  /// outputs.
  public var fusedBiasAdd: Int?

  /// Every name graph-mode `op_name_config` selectors are matched against.
  public var names: [String] { names(in: .graph) }

  /// Every name `op_name_config` selectors are matched against in `mode`: graph-mode names or the eager call site,
  /// and the ONNX node name.
  public func names(in mode: QuantizerConfig.ExecutionMode) -> [String] {
    var result = [mode == .graph ? atenName : eagerName]
    if !name.isEmpty, !result.contains(name) { result.append(name) }
    if mode == .graph, let exporterName, !result.contains(exporterName) { result.append(exporterName) }
    return result
  }

  /// Every type `op_type_config` selectors are matched against.
  public var types: [String] {
    var result = [opType, atenType]
    result.append(contentsOf: OpCatalog.typeAliases[atenType] ?? [])
    return result
  }

  /// The label used in messages: `conv2d_1 ('/3/Conv', Conv)`.
  public var label: String {
    name.isEmpty || name == atenName ? "\(atenName) (\(opType))" : "\(atenName) ('\(name)', \(opType))"
  }

  /// Default axes of the `weight` parameter (see `WeightAxes.forWeight(of:)`); `nil` when the op has none.
  public var weightAxes: WeightAxes?

  /// The default axes for parameter `parameter`: `weightAxes` for `weight`, axis 0 for a (1-D) `bias`.
  public func defaultAxes(for parameter: String) -> WeightAxes? {
    parameter == "weight" ? weightAxes : parameter == "bias" ? WeightAxes(channel: 0, block: 0) : nil
  }
}

/// The axes a weight is quantized along when a per-channel or per-block spec gives none.
public struct WeightAxes: Sendable, Hashable {
  /// Per-channel axis: the output-channel axis.
  public var channel: Int
  /// Per-block axis: the reduction (input) axis, cut into blocks.
  public var block: Int

  public init(channel: Int, block: Int) {
    self.channel = channel
    self.block = block
  }

  /// Defaults by op, as coreai-opt chooses them by module type: Conv weight `[C_out, C_in, k...]` (0, 1);
  /// ConvTranspose `[C_in, C_out, k...]` (1, 0); Gemm `[N, K]` with `transB = 1` (0, 1), `[K, N]` otherwise (1, 0);
  /// MatMul constant right operand `[K, N]` (1, 0: channels along N, blocks along K), constant left operand `[M, K]`
  /// (0, 1); Gather embedding table `[V, D]` (0, 1). `nil` for other ops.
  static func forWeight(of node: Node, weightSlot: Int?) -> WeightAxes? {
    switch node.opType {
    case "Conv": WeightAxes(channel: 0, block: 1)
    case "ConvTranspose": WeightAxes(channel: 1, block: 0)
    case "Gemm":
      node.int("transB", default: 0) != 0 ? WeightAxes(channel: 0, block: 1) : WeightAxes(channel: 1, block: 0)
    case "MatMul": weightSlot == 1 ? WeightAxes(channel: 1, block: 0) : WeightAxes(channel: 0, block: 1)
    case "Gather": WeightAxes(channel: 0, block: 1)
    default: nil
    }
  }
}
