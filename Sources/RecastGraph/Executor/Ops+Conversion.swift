import RecastTensor

/// Type conversions and linear quantization: `Cast`, `CastLike`, `QuantizeLinear`, `DequantizeLinear`.
extension OpRegistry {
  static let conversions: [OpDefinition] = [
    .simple("Cast", since: 6) { context throws(ExecutorError) in
      let code = context.int("to", 0)
      guard let target = DataType(rawValue: code), target != .string else { throw context.unsupported("to=\(code)") }
      let saturate = context.flag("saturate", true)
      return { inputs in [try operand(inputs, 0, "Cast").cast(to: target, saturate: saturate)] }
    },
    .simple("CastLike", since: 15) { context in
      let saturate = context.flag("saturate", true)
      return { inputs in
        [try operand(inputs, 0, "CastLike").cast(to: try operand(inputs, 1, "CastLike").dtype, saturate: saturate)]
      }
    },
    .simple("QuantizeLinear", since: 10) { context throws(ExecutorError) in
      let axis = context.int("axis", 1)
      let blockSize = context.int("block_size", 0)
      let saturate = context.flag("saturate", true)
      let code = context.int("output_dtype", 0)
      let outputType = code == 0 ? nil : DataType(rawValue: code)
      if code != 0 && outputType == nil { throw context.unsupported("output_dtype=\(code)") }
      return { inputs in
        let x = try operand(inputs, 0, "QuantizeLinear").cast(to: .float32)
        let scale = try operand(inputs, 1, "QuantizeLinear").cast(to: .float32)
        return [
          try x.quantizeLinear(
            scale: scale, zeroPoint: optionalOperand(inputs, 2), axis: axis, blockSize: blockSize,
            outputType: outputType, saturate: saturate)
        ]
      }
    },
    .simple("DequantizeLinear", since: 10) { context throws(ExecutorError) in
      let axis = context.int("axis", 1)
      let blockSize = context.int("block_size", 0)
      let code = context.int("output_dtype", 0)
      let outputType = code == 0 ? nil : DataType(rawValue: code)
      if code != 0 && outputType == nil { throw context.unsupported("output_dtype=\(code)") }
      return { inputs in
        let scale = try operand(inputs, 1, "DequantizeLinear")
        let y = try operand(inputs, 0, "DequantizeLinear").dequantizeLinear(
          scale: try scale.cast(to: .float32), zeroPoint: optionalOperand(inputs, 2), axis: axis, blockSize: blockSize)
        // The result has the scale's type unless `output_dtype` says otherwise.
        return [try y.cast(to: outputType ?? scale.dtype)]
      }
    },
  ]
}
