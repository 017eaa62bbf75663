import RecastTensor

/// Convolutions, pooling, matrix products and normalisation layers.
extension OpRegistry {
  static let neuralNetwork: [OpDefinition] = [
    .simple("Conv", since: 1) { context throws(ExecutorError) in
      let strides = context.ints("strides")
      let pads = context.ints("pads")
      let dilations = context.ints("dilations")
      let group = context.int("group", 1)
      let autoPad = try context.choice("auto_pad", "NOTSET", as: AutoPad.self)
      let relu = context.flag(InferenceFusion.reluAttribute)
      return { inputs in
        [
          try Tensor.conv(
            try operand(inputs, 0, "Conv"), weight: try operand(inputs, 1, "Conv"), bias: optionalOperand(inputs, 2),
            strides: strides, pads: pads, dilations: dilations, group: group, autoPad: autoPad, relu: relu)
        ]
      }
    },
    .simple("ConvTranspose", since: 1) { context throws(ExecutorError) in
      let strides = context.ints("strides")
      let pads = context.ints("pads")
      let dilations = context.ints("dilations")
      let group = context.int("group", 1)
      let autoPad = try context.choice("auto_pad", "NOTSET", as: AutoPad.self)
      let outputPadding = context.ints("output_padding")
      let outputShape = context.ints("output_shape")
      return { inputs in
        [
          try Tensor.convTranspose(
            try operand(inputs, 0, "ConvTranspose"), weight: try operand(inputs, 1, "ConvTranspose"),
            bias: optionalOperand(inputs, 2), strides: strides, pads: pads, dilations: dilations, group: group,
            autoPad: autoPad, outputPadding: outputPadding, outputShape: outputShape)
        ]
      }
    },
    pool("MaxPool", since: 8, isMax: true),
    pool("AveragePool", since: 7, isMax: false),
    .simple("GlobalAveragePool", since: 1) { _ in
      { inputs in [try Tensor.globalAveragePool(try operand(inputs, 0, "GlobalAveragePool"))] }
    },
    .simple("GlobalMaxPool", since: 1) { _ in
      { inputs in [try Tensor.globalMaxPool(try operand(inputs, 0, "GlobalMaxPool"))] }
    },
    .simple("Gemm", since: 7) { context in
      let alpha = context.float("alpha", 1)
      let beta = context.float("beta", 1)
      let transA = context.flag("transA")
      let transB = context.flag("transB")
      return { inputs in
        [
          try Tensor.gemm(
            try operand(inputs, 0, "Gemm"), try operand(inputs, 1, "Gemm"), optionalOperand(inputs, 2), alpha: alpha,
            beta: beta, transA: transA, transB: transB)
        ]
      }
    },
    .simple("MatMul", since: 1) { _ in
      { inputs in [try Tensor.matmul(try operand(inputs, 0, "MatMul"), try operand(inputs, 1, "MatMul"))] }
    },
    .simple("BatchNormalization", since: 9) { context throws(ExecutorError) in
      if context.flag("training_mode") { throw context.unsupported("training_mode=1") }
      if context.node.presentOutputs.count > 1 { throw context.unsupported("running mean/variance outputs") }
      let epsilon = context.float("epsilon", 1e-5)
      return { inputs in
        [
          try operand(inputs, 0, "BatchNormalization").batchNormalized(
            scale: try operand(inputs, 1, "BatchNormalization"), bias: try operand(inputs, 2, "BatchNormalization"),
            mean: try operand(inputs, 3, "BatchNormalization"), variance: try operand(inputs, 4, "BatchNormalization"),
            epsilon: epsilon)
        ]
      }
    },
    .simple("LayerNormalization", since: 17) { context throws(ExecutorError) in
      let axis = context.int("axis", -1)
      let epsilon = context.float("epsilon", 1e-5)
      if context.int("stash_type", 1) != 1 { throw context.unsupported("stash_type \(context.int("stash_type", 1))") }
      let statistics = context.node.presentOutputs.count > 1
      return { inputs in
        let x = try operand(inputs, 0, "LayerNormalization")
        let y = try x.layerNormalized(
          scale: try operand(inputs, 1, "LayerNormalization"), bias: optionalOperand(inputs, 2), axis: axis,
          epsilon: epsilon)
        guard statistics else { return [y] }
        return [y] + (try layerStatistics(x, axis: axis, epsilon: epsilon))
      }
    },
  ]

  /// `MaxPool` / `AveragePool` (the optional `Indices` output is not supported).
  private static func pool(_ op: String, since: Int, isMax: Bool) -> OpDefinition {
    .simple(op, since: since) { context throws(ExecutorError) in
      if context.node.presentOutputs.count > 1 { throw context.unsupported("the Indices output") }
      if context.int("storage_order", 0) != 0 { throw context.unsupported("storage_order=1") }
      guard let kernelShape = context.ints("kernel_shape") else { throw context.unsupported("a missing kernel_shape") }
      let strides = context.ints("strides")
      let pads = context.ints("pads")
      let dilations = context.ints("dilations")
      let ceilMode = context.flag("ceil_mode")
      let countIncludePad = context.flag("count_include_pad")
      let autoPad = try context.choice("auto_pad", "NOTSET", as: AutoPad.self)
      return { inputs in
        let x = try operand(inputs, 0, op)
        if isMax {
          return [
            try Tensor.maxPool(
              x, kernelShape: kernelShape, strides: strides, pads: pads, dilations: dilations, ceilMode: ceilMode,
              autoPad: autoPad)
          ]
        }
        return [
          try Tensor.averagePool(
            x, kernelShape: kernelShape, strides: strides, pads: pads, dilations: dilations, ceilMode: ceilMode,
            autoPad: autoPad, countIncludePad: countIncludePad)
        ]
      }
    }
  }
}

/// LayerNormalization's optional outputs: the mean and 1/√(variance + ε) over the axes from `axis` on (kept as
/// size-1 axes), computed in float32.
private func layerStatistics(_ x: Tensor, axis: Int, epsilon: Float) throws -> [Tensor] {
  let first = try Shape.normalize(axis: axis, rank: x.rank, op: "LayerNormalization")
  let axes = Array(first..<x.rank)
  let mean = try x.reduced(.mean, axes: axes, keepDims: true)
  let centred = try Tensor.binary(.sub, x, mean)
  let variance = try Tensor.binary(.mul, centred, centred).reduced(.mean, axes: axes, keepDims: true)
  let shifted = try Tensor.binary(.add, variance, Tensor(shape: [], floats: [epsilon]))
  return [mean, try shifted.map(.sqrt).map(.reciprocal)]
}
