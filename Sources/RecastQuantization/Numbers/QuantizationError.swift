/// A quantization parameter, layout or observer problem, with a message that names the values involved.
public struct QuantizationError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  /// A did-you-mean hint for unknown names, when one is close enough.
  public var help: String?

  public init(_ message: String, help: String? = nil) {
    self.message = message
    self.help = help
  }

  public var description: String { help.map { "\(message) (\($0))" } ?? message }
}
