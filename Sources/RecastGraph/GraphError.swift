import Foundation
public import RecastDiagnostics

/// An error reading, writing, validating or analysing a graph: what is wrong, and in which file when known.
///
/// `description` reads `model.onnx: error: node '/0/Conv' (Conv) input 'w' is dangling: ... [onnx.dangling-input]`.
public struct GraphError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong; `id` is the stable diagnostic id.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// The bytes are not a valid ONNX protobuf (truncated, corrupt, wrong file).
    case corruptProtobuf = "onnx.corrupt"
    /// A file could not be read or written.
    case io = "onnx.io"
    /// A tensor's data is inconsistent (wrong byte count, missing data, bad shape).
    case invalidTensor = "onnx.invalid-tensor"
    /// A tensor's external data file is missing or too short.
    case externalData = "onnx.external-data"
    /// A node input that no node, initializer or graph input produces.
    case danglingInput = "onnx.dangling-input"
    /// An initializer that a node or pass needs is not there.
    case missingInitializer = "onnx.missing-initializer"
    /// Two producers (nodes, initializers or graph inputs) for one value name.
    case duplicateProducer = "onnx.duplicate-producer"
    /// The graph has a cycle.
    case cycle = "onnx.cycle"
    /// A valid ONNX feature that Recast does not support.
    case unsupported = "onnx.unsupported"
    /// Shapes that cannot be combined, or an op whose shape rule fails.
    case shapeInference = "onnx.shape-inference"

    public var id: String { rawValue }
  }

  public var kind: Kind
  public var message: String
  /// The model file (or side file) involved, when known.
  public var file: String?

  public init(_ kind: Kind, _ message: String, file: String? = nil) {
    self.kind = kind
    self.message = message
    self.file = file
  }

  /// The same error attributed to `url` unless it already names a file.
  func attributed(to url: URL?) -> GraphError {
    var copy = self
    if copy.file == nil, let url { copy.file = url.path }
    return copy
  }

  public var description: String {
    "\(file.map { "\($0): " } ?? "")error: \(message) [\(kind.id)]"
  }

  /// The error as a diagnostic value for the common renderers.
  public var diagnostic: Diagnostic {
    Diagnostic.error(kind.id, file.map { "\($0): \(message)" } ?? message, at: nil)
  }
}
