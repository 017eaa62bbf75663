import RecastTensor

/// What an op's compile step sees: the node, the opset, constant inputs known at compile time, and a way to
/// compile the node's subgraphs.
struct NodeContext {
  let node: Node
  let opset: Int
  /// The constant value of input `name` (initializer, `Constant` output or folded value), if it is constant.
  let constantValue: (String) -> Tensor?
  /// Compiles a subgraph of this node against the enclosing scope.
  let compileSubgraph: (Graph) throws(ExecutorError) -> ExecutionPlan

  func int(_ name: String, _ defaultValue: Int) -> Int { node.int(name, default: defaultValue) }
  func float(_ name: String, _ defaultValue: Float) -> Float { node.float(name, default: defaultValue) }
  func ints(_ name: String) -> [Int]? { node.ints(name) }
  func string(_ name: String) -> String? { node.attributes[name]?.stringValue }
  func flag(_ name: String, _ defaultValue: Bool = false) -> Bool { int(name, defaultValue ? 1 : 0) != 0 }

  /// The constant value of the node's `index`-th input, when it is given and constant.
  func constantInput(_ index: Int) -> Tensor? { node.input(index).flatMap(constantValue) }

  /// An error for an attribute value or combination the kernel does not implement.
  func unsupported(_ what: String) -> ExecutorError {
    ExecutorError(.unsupportedOp, "node \(node.label) at opset \(opset): \(what) is not supported")
  }

  /// Parses an enum-valued string attribute (with ONNX's default), rejecting values the kernels lack.
  func choice<T: RawRepresentable>(_ name: String, _ defaultValue: String, as type: T.Type) throws(ExecutorError)
    -> T where T.RawValue == String
  {
    let raw = string(name) ?? defaultValue
    guard let value = T(rawValue: raw) else { throw unsupported("\(name) '\(raw)'") }
    return value
  }
}

/// The `index`-th operand, which the op requires.
@inline(__always)
func operand(_ inputs: [Tensor?], _ index: Int, _ op: String) throws(TensorError) -> Tensor {
  guard index < inputs.count, let tensor = inputs[index] else {
    throw TensorError("\(op): required input \(index) is missing")
  }
  return tensor
}

/// The `index`-th operand when present.
@inline(__always)
func optionalOperand(_ inputs: [Tensor?], _ index: Int) -> Tensor? { index < inputs.count ? inputs[index] : nil }
