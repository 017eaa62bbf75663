import Foundation
public import RecastTensor
import SwiftProtobuf

extension Tensor {
  /// Decodes a serialized ONNX `TensorProto` (an ONNX backend test's `input_0.pb`, for instance).
  ///
  /// Data may be `raw_data` or the typed repeated fields; external data is not allowed (there is no model folder
  /// to resolve it against). Errors name what is wrong with the bytes.
  public init(serializedTensorProto bytes: [UInt8]) throws(GraphError) {
    let proto: Onnx_TensorProto
    do {
      proto = try Onnx_TensorProto(serializedBytes: Data(bytes))
    } catch {
      throw GraphError(.corruptProtobuf, "not a valid TensorProto (\(error))")
    }
    self = try proto.decoded(baseDirectory: nil)
  }
}
