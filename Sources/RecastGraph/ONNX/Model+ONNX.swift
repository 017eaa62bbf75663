public import Foundation
import SwiftProtobuf

/// Reading and writing ONNX files.
extension Model {
  /// Reads an ONNX model file. External tensor data is read from side files relative to the file's folder.
  ///
  /// With `validate` (the default) the graph is also checked for dangling inputs, duplicate producers and
  /// cycles (`Graph.validate()`). Every error names the file.
  public init(contentsOf url: URL, validate: Bool = true) throws(GraphError) {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw GraphError(.io, "cannot read the model: \(error.localizedDescription)", file: url.path)
    }
    do {
      self = try Model.decode(data, baseDirectory: url.deletingLastPathComponent(), validate: validate)
    } catch {
      throw error.attributed(to: url)
    }
  }

  /// Decodes an ONNX model from bytes. Tensors with external data cannot be resolved and raise an error.
  public init(serializedBytes bytes: [UInt8], validate: Bool = true) throws(GraphError) {
    self = try Model.decode(Data(bytes), baseDirectory: nil, validate: validate)
  }

  private static func decode(_ data: Data, baseDirectory: URL?, validate: Bool) throws(GraphError) -> Model {
    guard !data.isEmpty else { throw GraphError(.corruptProtobuf, "the file is empty") }
    let proto: Onnx_ModelProto
    do {
      var options = BinaryDecodingOptions()
      options.messageDepthLimit = 1000
      proto = try Onnx_ModelProto(serializedBytes: data, options: options)
    } catch {
      throw GraphError(
        .corruptProtobuf, "not a valid ONNX protobuf (\(Self.describe(error)); truncated or not an ONNX file?)")
    }
    let model = try ONNXDecoder(baseDirectory: baseDirectory).model(proto)
    if validate { try model.graph.validate() }
    return model
  }

  /// The model as ONNX protobuf bytes. Tensors are written inline as `raw_data`; the same model always gives the
  /// same bytes.
  /// - Parameter limit: the most tensor bytes one file may hold (protobuf's 2 GiB; smaller in tests).
  public func serializedBytes(limit: Int = Model.protobufLimit) throws(GraphError) -> [UInt8] {
    // Protobuf messages are limited to 2 GiB; larger models need external data, which export does not write.
    let tensorBytes = graph.initializers.reduce(0) { $0 + $1.value.dtype.byteCount(for: $1.value.count) }
    if tensorBytes >= limit {
      throw GraphError(
        .unsupported,
        "the model's tensors take \(tensorBytes) bytes, more than the 2 GiB a single ONNX file can hold; "
          + "exporting weights as external data is not supported yet")
    }
    let proto = ONNXEncoder().model(self)
    do {
      return try proto.serializedBytes()
    } catch {
      throw GraphError(.unsupported, "cannot serialize the model: \(Self.describe(error))")
    }
  }

  /// The largest protobuf message (2 GiB − 1 bytes).
  public static let protobufLimit = Int(Int32.max)

  /// Writes the model to `url` atomically: a temporary file in the same folder is written, then renamed, so an
  /// interrupted write never leaves a half-written model.
  public func write(to url: URL) throws(GraphError) {
    let bytes = try serializedBytes()
    let folder = url.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
      try Data(bytes).write(to: temporary)
      guard rename(temporary.path, url.path) == 0 else {
        throw GraphError(.io, "cannot rename the temporary file: \(String(cString: strerror(errno)))", file: url.path)
      }
    } catch let error as GraphError {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw GraphError(.io, "cannot write the model: \(error.localizedDescription)", file: url.path)
    }
  }

  private static func describe(_ error: any Error) -> String {
    if let error = error as? BinaryDecodingError {
      switch error {
      case .truncated: return "data ends in the middle of a field"
      case .malformedProtobuf: return "malformed protobuf"
      case .messageDepthLimit: return "nesting too deep"
      case .invalidUTF8: return "a string field is not UTF-8"
      default: return "\(error)"
      }
    }
    return "\(error)"
  }
}
