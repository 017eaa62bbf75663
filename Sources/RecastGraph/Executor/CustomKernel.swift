public import RecastTensor

/// A kernel supplied by the caller for an op the built-in table does not have, typically in a private domain
/// (`ai.recast`): the extension point a prepared (fake-quantized) model uses to run its quantizers inside one
/// compiled executor.
///
/// `compile` runs once per node when the executor is built; the closure it returns runs once per node per run.
/// Nodes with a custom kernel are never constant-folded (their kernels may keep state, such as observers).
public struct CustomKernel: Sendable {
  /// Runs one node: the node's inputs in order (an omitted optional input is `nil`) → its outputs in order.
  public typealias Run = @Sendable (_ inputs: [Tensor?]) throws -> [Tensor]

  /// The node domain this kernel serves (`""` is `ai.onnx`; a custom kernel there replaces the built-in one).
  public var domain: String
  public var opType: String
  /// Reads the node's attributes once and returns the kernel that runs it.
  public var compile: @Sendable (_ node: Node) throws -> Run

  public init(domain: String, opType: String, compile: @escaping @Sendable (_ node: Node) throws -> Run) {
    self.domain = domain
    self.opType = opType
    self.compile = compile
  }

  /// The lookup key of `(domain, opType)`.
  static func key(domain: String, opType: String) -> String {
    "\(domain == "ai.onnx" ? "" : domain)::\(opType)"
  }
}
