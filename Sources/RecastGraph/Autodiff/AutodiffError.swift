/// An error compiling a graph for training, running its forward pass or differentiating it, naming the node,
/// op or value involved.
public struct AutodiffError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// A node on a trainable path has no gradient rule for its op.
    case missingRule = "autodiff.missing-rule"
    /// A trainable name is neither an initializer nor a graph input, or is not floating point.
    case unknownTrainable = "autodiff.unknown-trainable"
    /// A seed names no graph output, or has another shape or type than the output.
    case seed = "autodiff.seed"
    /// A parameter or running statistic was replaced by a tensor of another shape or type.
    case parameter = "autodiff.parameter"
    /// A backward rule failed (operand shapes, a value not kept, a kernel error).
    case kernel = "autodiff.kernel"
  }

  public var kind: Kind
  public var message: String

  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  public var description: String { "error: \(message) [\(kind.rawValue)]" }
}
