import RecastGraph

/// Which ONNX ops Recast quantizes, their aten-style (torch graph-mode) names, and which inputs are activations or
/// parameters.
///
/// Quantizable ops (have QDQ kernels in common runtimes): Conv, ConvTranspose, Gemm, MatMul, Gather, Add, Mul,
/// Concat, MaxPool, AveragePool, GlobalAveragePool, Relu, Sigmoid, Tanh, Softmax, Reshape, Transpose, Flatten,
/// Squeeze, Unsqueeze, Split, Slice, LayerNormalization. BatchNormalization is not quantized by itself: graph mode
/// folds it into the preceding Conv's weight and otherwise it stays in floating point (as in coreai-opt).
///
/// Parameters (state tensors) exist for the weighted ops only — Conv/ConvTranspose/Gemm (`weight`, `bias`),
/// MatMul with a constant operand (`weight`) and Gather from a constant table (`weight`, an embedding) — the op
/// kinds coreai-opt knows default axes for. LayerNormalization's scale and bias stay float.
enum OpCatalog {
  /// ONNX op types Recast can quantize.
  static let quantizableTypes: Set<String> = [
    "Conv", "ConvTranspose", "Gemm", "MatMul", "Gather", "Add", "Mul", "Concat", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Relu", "Sigmoid", "Tanh", "Softmax", "Reshape", "Transpose", "Flatten", "Squeeze",
    "Unsqueeze", "Split", "Slice", "LayerNormalization",
  ]

  /// Ops whose first input is the only data input (the others are shapes, axes, indices or parameters).
  static let singleDataInput: Set<String> = [
    "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "Relu", "Sigmoid", "Tanh", "Softmax",
    "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Split", "Slice", "LayerNormalization",
    "BatchNormalization",
  ]

  /// aten names of ONNX ops that map one to one (numbering counts these even when not quantizable).
  static let simpleAtenNames: [String: String] = [
    "Add": "add", "Mul": "mul", "Sub": "sub", "Div": "div", "Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
    "Softmax": "softmax", "Concat": "cat", "GlobalAveragePool": "adaptive_avg_pool2d", "Reshape": "reshape",
    "Transpose": "permute", "Flatten": "flatten", "Squeeze": "squeeze", "Unsqueeze": "unsqueeze", "Split": "split",
    "Slice": "slice", "LayerNormalization": "layer_norm", "BatchNormalization": "batch_norm", "Erf": "erf",
    "Pow": "pow", "Sqrt": "sqrt", "Exp": "exp", "Log": "log", "Neg": "neg", "ReduceMean": "mean", "ReduceSum": "sum",
    "Where": "where", "Gelu": "gelu", "Clip": "clamp", "LeakyRelu": "leaky_relu", "Pad": "pad", "Dropout": "dropout",
    "Expand": "expand", "MatMul": "matmul", "Gemm": "addmm", "Gather": "index_select",
  ]

  /// Further op type spellings accepted in `op_type_config` besides the ONNX type and the aten name.
  static let typeAliases: [String: [String]] = [
    "cat": ["concat", "concatenate"], "reshape": ["view"], "permute": ["transpose"],
    "adaptive_avg_pool2d": ["mean"], "split": ["split_with_sizes", "chunk"], "addmm": ["matmul"],
  ]

  /// The aten-style type of `node` (`conv2d`, `linear`, `max_pool2d`...), or `nil` for ops without one
  /// (shape arithmetic, constants). `constant` tells whether an input is a constant tensor.
  static func atenType(of node: Node, moduleType: String?, constant: (String) -> Bool, rank: (String) -> Int?)
    -> String?
  {
    switch node.opType {
    case "Conv", "ConvTranspose":
      let spatial = node.input(1).flatMap(rank).map { $0 - 2 } ?? node.ints("kernel_shape")?.count ?? 2
      return node.opType == "Conv" ? "conv\(spatial)d" : "conv_transpose\(spatial)d"
    case "MaxPool", "AveragePool":
      let spatial = node.ints("kernel_shape")?.count ?? 2
      return node.opType == "MaxPool" ? "max_pool\(spatial)d" : "avg_pool\(spatial)d"
    case "Gemm":
      return node.input(1).map(constant) == true ? "linear" : "addmm"
    case "MatMul":
      if let b = node.input(1), constant(b), rank(b) == 2 { return "linear" }
      return "matmul"
    case "Gather":
      return node.input(0).map(constant) == true ? "embedding" : "index_select"
    case "Reshape" where moduleType == "torch.nn.modules.flatten.Flatten":
      return "flatten"
    default:
      return simpleAtenNames[node.opType]
    }
  }

  /// The state-tensor slots of a weighted op: `(slot, parameter name)`, for constant inputs only.
  static func parameterSlots(of node: Node, constant: (String) -> Bool) -> [(slot: Int, name: String)] {
    switch node.opType {
    case "Conv", "ConvTranspose", "Gemm":
      return [(1, "weight"), (2, "bias")]
    case "MatMul":
      if let b = node.input(1), constant(b) { return [(1, "weight")] }
      if let a = node.input(0), constant(a) { return [(0, "weight")] }
      return []
    case "Gather":
      return node.input(0).map(constant) == true ? [(0, "weight")] : []
    default:
      return []
    }
  }

  /// The activation-input slots of `node`: data inputs that are neither parameters nor constants.
  static func activationSlots(of node: Node, parameterSlots: Set<Int>, constant: (String) -> Bool) -> [Int] {
    let candidates: [Int] =
      switch node.opType {
      case "Gather": [0]
      case "Gemm", "MatMul": [0, 1]
      case _ where singleDataInput.contains(node.opType): [0]
      default: Array(node.inputs.indices)
      }
    return candidates.filter { slot in
      guard let name = node.input(slot) else { return false }
      return !parameterSlots.contains(slot) && !constant(name)
    }
  }
}

extension QuantizableModel {
  /// ONNX op types Recast can quantize (the list above), for tools that mark them (`recast inspect`).
  public static var quantizableOpTypes: Set<String> { OpCatalog.quantizableTypes }
}
