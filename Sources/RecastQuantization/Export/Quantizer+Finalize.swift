public import RecastGraph

/// Where a finalized model runs.
public enum QuantizationBackend: String, Sendable, Hashable, CaseIterable {
  /// ONNX QDQ: integer (or float8/float4) weights behind `DequantizeLinear`, activations as
  /// `QuantizeLinear → DequantizeLinear` pairs (see `QDQExporter`).
  case onnx
}

extension Quantizer {
  /// Freezes the current qparams and writes a model for `backend` that computes what the prepared model computes
  /// with fake-quant on.
  ///
  /// - Parameter castTo16Bit: stores float32 initializers that stay float (not quantized) as float16 behind a
  ///   `Cast` when their values fit (see `Float16Casting`).
  /// - Parameter opset: the `ai.onnx` opset to write; nil writes the lowest one the quantized types need (never
  ///   below the source model's). A lower opset than needed is an error.
  /// - Throws: before `prepare`, for an activation quantizer that never observed data, and for the `minval`
  ///   formulation (no ONNX form).
  public func finalize(backend: QuantizationBackend = .onnx, castTo16Bit: Bool = false, opset: Int? = nil) throws -> Model {
    switch backend {
    case .onnx: try QDQExporter(quantizer: self).export(castTo16Bit: castTo16Bit, opset: opset)
    }
  }
}
