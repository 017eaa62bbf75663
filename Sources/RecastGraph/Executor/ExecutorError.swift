/// An error compiling or running a graph with `Executor`: what went wrong, naming the node or input involved.
///
/// `description` reads `error: node '/0/Conv' (Conv): Conv: operands must be float32 [executor.kernel]`.
public struct ExecutorError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong; `id` is the stable diagnostic id.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// An op (or an op at this opset, or an attribute value) the executor does not implement.
    case unsupportedOp = "executor.unsupported-op"
    /// The graph cannot be planned: a dangling value, a cycle, a bad subgraph.
    case invalidGraph = "executor.invalid-graph"
    /// A required graph input was not given.
    case missingInput = "executor.missing-input"
    /// A value was given that is not a graph input.
    case unexpectedInput = "executor.unexpected-input"
    /// An input's data type differs from the declared one.
    case inputType = "executor.input-type"
    /// An input's rank or dimensions differ from the declared ones (or bind a symbolic dimension inconsistently).
    case inputShape = "executor.input-shape"
    /// An input holds NaN or infinity (with `Options.checkFinite`).
    case nonFinite = "executor.non-finite"
    /// A kernel rejected its operands while running a node.
    case kernel = "executor.kernel"
  }

  public var kind: Kind
  public var message: String

  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  public var description: String { "error: \(message) [\(kind.rawValue)]" }
}
