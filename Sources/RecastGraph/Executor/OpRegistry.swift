import RecastTensor

/// A compiled kernel: takes the node's inputs in order (an omitted optional input is `nil`; values a subgraph
/// reads from the enclosing scope follow the node's own inputs) and returns the node's outputs in order.
typealias Kernel = @Sendable ([Tensor?]) throws -> [Tensor]

/// A node compiled for execution: its kernel, plus the enclosing-scope values it reads (for `If`).
struct CompiledNode: Sendable {
  var kernel: Kernel
  var captures: [String] = []

  init(_ kernel: @escaping Kernel, captures: [String] = []) {
    self.kernel = kernel
    self.captures = captures
  }
}

/// One entry of the op table: the opsets an implementation covers and how to compile a node of that op.
struct OpDefinition: Sendable {
  let opType: String
  let opsets: ClosedRange<Int>
  /// Reads the node's attributes (and constant inputs) once and returns the kernel that runs it.
  let compile: @Sendable (NodeContext) throws(ExecutorError) -> CompiledNode

  init(
    _ opType: String, since: Int, through: Int = Executor.latestOpset,
    _ compile: @escaping @Sendable (NodeContext) throws(ExecutorError) -> CompiledNode
  ) {
    self.opType = opType
    self.opsets = since...through
    self.compile = compile
  }

  /// A definition whose kernel needs no compile-time work beyond the attributes `make` reads.
  static func simple(
    _ opType: String, since: Int, through: Int = Executor.latestOpset,
    _ make: @escaping @Sendable (NodeContext) throws(ExecutorError) -> Kernel
  ) -> OpDefinition {
    OpDefinition(opType, since: since, through: through) { context throws(ExecutorError) in
      CompiledNode(try make(context))
    }
  }
}

/// The op table: op type → implementations by opset range. Built once from the per-family lists.
enum OpRegistry {
  static let table: [String: [OpDefinition]] = {
    var table: [String: [OpDefinition]] = [:]
    for definition in elementwise + activations + neuralNetwork + layout + indexing + reductions + conversions
      + control
    {
      table[definition.opType, default: []].append(definition)
    }
    return table
  }()

  /// The implementation of `opType` in `domain` at `opset`, if there is one.
  static func definition(_ opType: String, domain: String, opset: Int) -> OpDefinition? {
    guard domain.isEmpty || domain == "ai.onnx" else { return nil }
    return table[opType]?.first { $0.opsets.contains(opset) }
  }

  /// Every supported op type, sorted.
  static var opTypes: [String] { table.keys.sorted() }

  /// `Conv (1–25)`, `Unsqueeze (1–25)`: each op with the opsets it covers, for messages.
  static var summary: String {
    opTypes.map { op in
      let ranges = table[op]!.map(\.opsets)
      let low = ranges.map(\.lowerBound).min()!
      let high = ranges.map(\.upperBound).max()!
      return "\(op) (\(low)–\(high))"
    }.joined(separator: ", ")
  }
}
