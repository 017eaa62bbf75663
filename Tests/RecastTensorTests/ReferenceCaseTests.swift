import Foundation
import RecastTensor
import Testing

/// Runs every onnxruntime reference case through the matching kernel.
@Suite struct ReferenceCaseTests {
  @Test func fixturesArePresent() {
    #expect(Fixtures.cases.count > 300)
  }

  @Test(arguments: Fixtures.cases)
  func matchesOnnxruntime(_ c: ReferenceCase) throws {
    let inputs = try c.inputs.map { try $0.map(Fixtures.load) }
    let outputs = try Self.run(c, inputs)
    #expect(outputs.count == c.outputs.count)
    for (k, file) in c.outputs.enumerated() where k < outputs.count {
      expectClose(outputs[k], try Fixtures.load(file), atol: c.atol, rtol: c.rtol, "\(c.name) output \(k)")
    }
  }

  /// The ONNX node → kernel mapping the executor will make, for one node.
  static func run(_ c: ReferenceCase, _ inputs: [Tensor?]) throws -> [Tensor] {
    let x = inputs.first.flatMap { $0 }
    func input(_ k: Int) -> Tensor? { k < inputs.count ? inputs[k] : nil }
    let binary: [String: BinaryOperator] = [
      "Add": .add, "Sub": .sub, "Mul": .mul, "Div": .div, "Pow": .pow, "Max": .max, "Min": .min, "Mod": .mod,
    ]
    let comparisons: [String: ComparisonOperator] = [
      "Equal": .equal, "Greater": .greater, "GreaterOrEqual": .greaterOrEqual, "Less": .less,
      "LessOrEqual": .lessOrEqual,
    ]
    let logical: [String: LogicalOperator] = ["And": .and, "Or": .or, "Xor": .xor]
    let unary: [String: UnaryOperator] = [
      "Relu": .relu, "Sigmoid": .sigmoid, "Tanh": .tanh, "HardSwish": .hardSwish, "Erf": .erf, "Sqrt": .sqrt,
      "Reciprocal": .reciprocal, "Neg": .neg, "Exp": .exp, "Log": .log, "Abs": .abs, "Floor": .floor,
      "Ceil": .ceil, "Round": .round, "Sign": .sign, "Softplus": .softplus, "Sin": .sin, "Cos": .cos,
      "Identity": .identity,
    ]
    let reductions: [String: ReduceOperator] = [
      "ReduceSum": .sum, "ReduceMean": .mean, "ReduceMax": .max, "ReduceMin": .min, "ReduceProd": .prod,
      "ReduceL1": .l1, "ReduceL2": .l2, "ReduceSumSquare": .sumSquare, "ReduceLogSumExp": .logSumExp,
    ]
    if let op = binary[c.op] { return [try Tensor.binary(op, inputs[0]!, inputs[1]!)] }
    if let op = comparisons[c.op] { return [try Tensor.compare(op, inputs[0]!, inputs[1]!)] }
    if let op = logical[c.op] { return [try Tensor.logical(op, inputs[0]!, inputs[1]!)] }
    if let op = unary[c.op] { return [try x!.map(op)] }
    if let op = reductions[c.op] {
      return [
        try x!.reduced(
          op, axes: input(1)?.integers(), keepDims: c.int("keepdims", 1) == 1,
          noopWithEmptyAxes: c.int("noop_with_empty_axes", 0) == 1)
      ]
    }
    let autoPad = AutoPad(rawValue: c.string("auto_pad") ?? "NOTSET")!
    switch c.op {
    case "Not": return [try x!.logicalNot()]
    case "Where": return [try Tensor.where(inputs[0]!, inputs[1]!, inputs[2]!)]
    case "LeakyRelu": return [try x!.map(.leakyRelu(alpha: c.float("alpha", 0.01)))]
    case "HardSigmoid": return [try x!.map(.hardSigmoid(alpha: c.float("alpha", 0.2), beta: c.float("beta", 0.5)))]
    case "Elu": return [try x!.map(.elu(alpha: c.float("alpha", 1)))]
    case "Gelu": return [try x!.map(.gelu(approximateTanh: c.string("approximate") == "tanh"))]
    case "Clip":
      return [
        try x!.map(.clip(min: input(1)?.floats().first ?? -.infinity, max: input(2)?.floats().first ?? .infinity))
      ]
    case "Softmax": return [try x!.softmax(axis: c.int("axis", -1))]
    case "LogSoftmax": return [try x!.softmax(axis: c.int("axis", -1), log: true)]
    case "LayerNormalization":
      return [
        try x!.layerNormalized(
          scale: inputs[1]!, bias: input(2), axis: c.int("axis", -1), epsilon: c.float("epsilon", 1e-5))
      ]
    case "BatchNormalization":
      return [
        try x!.batchNormalized(
          scale: inputs[1]!, bias: inputs[2]!, mean: inputs[3]!, variance: inputs[4]!,
          epsilon: c.float("epsilon", 1e-5))
      ]
    case "GlobalAveragePool": return [try Tensor.globalAveragePool(x!)]
    case "GlobalMaxPool": return [try Tensor.globalMaxPool(x!)]
    case "Transpose": return [try x!.transposed(perm: c.ints("perm"))]
    case "Concat": return [try Tensor.concat(inputs.compactMap { $0 }, axis: c.int("axis", 0))]
    case "Split":
      return try x!.split(
        axis: c.int("axis", 0), sizes: input(1)?.integers(), outputs: c.outputs.count)
    case "Slice":
      return [
        try x!.sliced(
          starts: inputs[1]!.integers(), ends: inputs[2]!.integers(), axes: input(3)?.integers(),
          steps: input(4)?.integers())
      ]
    case "Gather": return [try x!.gathered(inputs[1]!, axis: c.int("axis", 0))]
    case "Expand": return [try x!.expanded(to: inputs[1]!.integers())]
    case "Pad":
      return [
        try x!.padded(
          inputs[1]!.integers(), mode: PadMode(rawValue: c.string("mode") ?? "constant")!, value: input(2),
          axes: input(3)?.integers())
      ]
    case "Range": return [try Tensor.range(start: inputs[0]!, limit: inputs[1]!, delta: inputs[2]!)]
    case "Unsqueeze": return [try x!.unsqueezed(axes: inputs[1]!.integers())]
    case "Squeeze": return [try x!.squeezed(axes: input(1)?.integers())]
    case "Flatten": return [try x!.flattened(axis: c.int("axis", 1))]
    case "Reshape": return [try x!.reshaped(onnx: inputs[1]!.integers(), allowZero: c.int("allowzero", 0) == 1)]
    case "ConstantOfShape":
      var value: Tensor?
      if case .tensor(let dtype, let values) = c.attrs["value"] {
        value = Tensor.make(DataType(rawValue: dtype)!, values)
      }
      return [try Tensor.constantOfShape(x!.integers(), value: value)]
    case "Cast": return [try x!.cast(to: DataType(rawValue: c.int("to", 1))!, saturate: c.int("saturate", 1) == 1)]
    case "Resize":
      return [
        try x!.resized(
          scales: input(2)?.floats(), sizes: input(3)?.integers(),
          mode: ResizeMode(rawValue: c.string("mode") ?? "nearest")!,
          coordinateTransform: CoordinateTransform(
            rawValue: c.string("coordinate_transformation_mode") ?? "half_pixel")!,
          nearestMode: NearestMode(rawValue: c.string("nearest_mode") ?? "round_prefer_floor")!)
      ]
    case "Gemm":
      return [
        try Tensor.gemm(
          inputs[0]!, inputs[1]!, input(2), alpha: c.float("alpha", 1), beta: c.float("beta", 1),
          transA: c.int("transA", 0) == 1, transB: c.int("transB", 0) == 1)
      ]
    case "MatMul": return [try Tensor.matmul(inputs[0]!, inputs[1]!)]
    case "QuantizeLinear":
      // Outputs are recorded as float32 codes/values; the zero point as float32 values of the output type.
      let type = DataType(rawValue: c.int("output_type", 2))!
      let zeroPoint = try input(2).map { try $0.cast(to: type) }
      let q = try x!.quantizeLinear(
        scale: inputs[1]!, zeroPoint: zeroPoint, axis: c.int("axis", 1), blockSize: c.int("block_size", 0),
        outputType: type)
      #expect(q.dtype == type, "\(c.name): output type")
      return [try q.cast(to: .float32)]
    case "DequantizeLinear":
      return [
        try x!.dequantizeLinear(
          scale: inputs[1]!, zeroPoint: input(2), axis: c.int("axis", 1), blockSize: c.int("block_size", 0))
      ]
    case "Conv":
      return [
        try Tensor.conv(
          x!, weight: inputs[1]!, bias: input(2), strides: c.ints("strides"), pads: c.ints("pads"),
          dilations: c.ints("dilations"), group: c.int("group", 1), autoPad: autoPad)
      ]
    case "ConvTranspose":
      return [
        try Tensor.convTranspose(
          x!, weight: inputs[1]!, bias: input(2), strides: c.ints("strides"), pads: c.ints("pads"),
          dilations: c.ints("dilations"), group: c.int("group", 1), autoPad: autoPad,
          outputPadding: c.ints("output_padding"), outputShape: c.ints("output_shape"))
      ]
    case "MaxPool":
      return [
        try Tensor.maxPool(
          x!, kernelShape: c.ints("kernel_shape")!, strides: c.ints("strides"), pads: c.ints("pads"),
          dilations: c.ints("dilations"), ceilMode: c.int("ceil_mode", 0) == 1, autoPad: autoPad)
      ]
    case "AveragePool":
      return [
        try Tensor.averagePool(
          x!, kernelShape: c.ints("kernel_shape")!, strides: c.ints("strides"), pads: c.ints("pads"),
          dilations: c.ints("dilations"), ceilMode: c.int("ceil_mode", 0) == 1, autoPad: autoPad,
          countIncludePad: c.int("count_include_pad", 0) == 1)
      ]
    default:
      Issue.record("no kernel mapping for \(c.op)")
      return []
    }
  }
}

extension Tensor {
  /// A one-element tensor of `dtype` from a JSON number list.
  static func make(_ dtype: DataType, _ values: [Double]) -> Tensor {
    (try? Tensor(shape: [values.count], scalars: values, dtype: .float64).cast(to: dtype))!
  }
}
