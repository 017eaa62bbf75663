public import RecastGraph

/// A named chain of ops that graph mode treats as one block: quantizers go on the block's inputs and its final
/// output, never between its ops (`conv_bn_relu`: `Conv → BatchNormalization → Relu`).
///
/// A chain matches nodes `n0 → n1 → … → nk` where `n(i+1)` reads the first output of `n(i)`, that output has no
/// other reader and is not a graph output, and each node's op type is in the step's set. `condition`, when given,
/// must also accept the matched node indices. The first node (the anchor) must be a quantizable op; its resolved
/// specs decide the block's input, weight and output quantizers, the other ops' own configs are not consulted (as in
/// coreai-opt, where a `null` config on the conv of a Conv-BN-ReLU also leaves the ReLU's output float).
public struct FusionPattern: Sendable {
  /// Checks a candidate match: the graph and the matched node indices in chain order.
  public typealias Condition = @Sendable (_ graph: Graph, _ nodes: [Int]) -> Bool

  /// The registry key, also what a recipe names to enable or disable the pattern.
  public var name: String
  /// ONNX op types allowed at each position of the chain.
  public var steps: [Set<String>]
  /// Optional extra check on a match.
  public var condition: Condition?

  public init(name: String, steps: [Set<String>], condition: Condition? = nil) {
    precondition(steps.count >= 2, "a fusion pattern chains at least two ops")
    self.name = name
    self.steps = steps
    self.condition = condition
  }

  /// A pattern of single op types: `FusionPattern(name: "div_relu", ops: "Div", "Relu")`.
  public init(name: String, ops: String..., condition: Condition? = nil) {
    self.init(name: name, steps: ops.map { [$0] }, condition: condition)
  }

  /// The chain written as `Conv → BatchNormalization → Relu` (alternatives as `Gemm|MatMul`).
  public var chainDescription: String {
    steps.map { $0.sorted().joined(separator: "|") }.joined(separator: " → ")
  }

  /// The nodes of a match starting at `start`, or `nil`. `taken` nodes already belong to another block.
  func match(
    at start: Int, in graph: Graph, consumers: [String: [ValueUse]], taken: Set<Int>
  ) -> [Int]? {
    var chain = [start]
    guard !taken.contains(start), steps[0].contains(graph.nodes[start].opType) else { return nil }
    for step in steps.dropFirst() {
      let current = graph.nodes[chain[chain.count - 1]]
      guard let output = current.outputs.first, !output.isEmpty, !graph.isGraphOutput(output),
        let uses = consumers[output], uses.count == 1, uses[0].input != nil
      else { return nil }
      let next = uses[0].node
      guard !taken.contains(next), !chain.contains(next), step.contains(graph.nodes[next].opType) else { return nil }
      chain.append(next)
    }
    if let condition, !condition(graph, chain) { return nil }
    return chain
  }
}

extension FusionPattern {
  /// Activation ops that fuse into the op before them.
  static let activations: Set<String> = ["Relu", "Clip", "LeakyRelu", "Gelu", "HardSwish", "HardSigmoid", "Elu"]

  /// True when node `node` reads a constant (initializer or `Constant` output) at input `slot`.
  static func isConstantInput(_ graph: Graph, _ node: Int, slot: Int) -> Bool {
    guard let name = graph.nodes[node].input(slot) else { return false }
    if graph.initializers[name] != nil { return true }
    return graph.producer(of: name).map { graph.nodes[$0].opType == "Constant" } ?? false
  }

  /// BatchNormalization in inference form: one output and constant scale, bias, mean and variance.
  static func isFoldableBatchNorm(_ graph: Graph, _ node: Int) -> Bool {
    let bn = graph.nodes[node]
    return bn.opType == "BatchNormalization" && bn.presentOutputs.count == 1
      && (1...4).allSatisfy { graph.nodes[node].input($0).map { graph.constantValue(of: $0) != nil } ?? false }
  }

  /// A MatMul with a constant right operand followed by an Add of a constant: a `linear` with bias.
  static func isLinearWithBias(_ graph: Graph, _ nodes: [Int]) -> Bool {
    guard nodes.count >= 2, isConstantInput(graph, nodes[0], slot: 1) else { return false }
    let add = graph.nodes[nodes[1]]
    let matmulOutput = graph.nodes[nodes[0]].outputs.first
    let other = add.inputs.first { $0 != matmulOutput }
    return other.map { graph.constantValue(of: $0) != nil } ?? false
  }

  /// The built-in patterns, longest first.
  public static let builtIns: [FusionPattern] = [
    FusionPattern(name: "conv_bn_relu", steps: [["Conv"], ["BatchNormalization"], activations]) { graph, nodes in
      isFoldableBatchNorm(graph, nodes[1])
    },
    FusionPattern(name: "linear_bias_relu", steps: [["MatMul"], ["Add"], activations], condition: isLinearWithBias),
    FusionPattern(name: "conv_bn", ops: "Conv", "BatchNormalization") { graph, nodes in
      isFoldableBatchNorm(graph, nodes[1])
    },
    FusionPattern(name: "conv_relu", steps: [["Conv", "ConvTranspose"], activations]),
    FusionPattern(name: "linear_relu", steps: [["Gemm"], activations]),
    FusionPattern(name: "matmul_relu", steps: [["MatMul"], activations]) { graph, nodes in
      isConstantInput(graph, nodes[0], slot: 1)
    },
    FusionPattern(name: "linear_bias", ops: "MatMul", "Add", condition: isLinearWithBias),
    FusionPattern(name: "add_relu", steps: [["Add"], activations]),
    FusionPattern(name: "mul_relu", steps: [["Mul"], activations]),
  ]
}
