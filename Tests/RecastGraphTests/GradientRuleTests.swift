import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// Every built-in gradient rule against central differences in Double (see `GradientChecker`), on seeded random
/// inputs kept away from kinks.
@Suite struct GradientRuleTests {
  typealias R = DoubleReference

  static func node(
    _ op: String, _ inputs: [String], outputs: [String] = ["y"], _ attributes: OrderedMap<String, Attribute> = [:]
  ) -> Node {
    Node(name: "/\(op)", opType: op, inputs: inputs, outputs: outputs, attributes: attributes)
  }

  static func ints(_ values: [Int]) -> Tensor {
    Tensor(shape: [values.count], scalars: values.map(Int64.init), dtype: .int64)
  }

  static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

  /// Unary activations: (op, attributes, reference, input range, kinks to avoid, opset).
  static let unaryCases:
    [(String, OrderedMap<String, Attribute>, @Sendable (Double) -> Double, ClosedRange<Double>, [Double], Int)] = [
      ("Relu", [:], { max($0, 0) }, -2...2, [0], 17),
      ("LeakyRelu", ["alpha": .float(0.1)], { $0 < 0 ? 0.1 * $0 : $0 }, -2...2, [0], 17),
      ("Sigmoid", [:], sigmoid, -3...3, [], 17),
      ("Tanh", [:], tanh, -2...2, [], 17),
      (
        "HardSigmoid", ["alpha": .float(0.25), "beta": .float(0.5)], { min(max(0.25 * $0 + 0.5, 0), 1) }, -3...3,
        [-2, 2], 17
      ),
      ("HardSwish", [:], { $0 * min(max($0 / 6 + 0.5, 0), 1) }, -4...4, [-3, 3], 17),
      ("Erf", [:], { Foundation.erf($0) }, -2...2, [], 17),
      ("Gelu", [:], { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }, -3...3, [], 20),
      (
        "Gelu", ["approximate": .string("tanh")],
        { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }, -3...3, [], 20
      ),
      ("Sqrt", [:], { $0.squareRoot() }, 0.2...3, [], 17),
      ("Exp", [:], exp, -2...2, [], 17),
      ("Log", [:], log, 0.2...3, [], 17),
      ("Clip", ["min": .float(-0.5), "max": .float(0.7)], { min(max($0, -0.5), 0.7) }, -2...2, [-0.5, 0.7], 6),
      // Elu's derivative jumps at 0 unless alpha is 1; the default alpha (1) is checked as well.
      ("Elu", ["alpha": .float(0.7)], { $0 < 0 ? 0.7 * expm1($0) : $0 }, -2...2, [0], 17),
      ("Elu", [:], { $0 < 0 ? expm1($0) : $0 }, -2...2, [0], 17),
      ("Softplus", [:], { log1p(exp($0)) }, -4...4, [], 17),
      ("Neg", [:], { -$0 }, -2...2, [], 17),
      ("Abs", [:], { abs($0) }, -2...2, [0], 17),
      ("Reciprocal", [:], { 1 / $0 }, 0.3...3, [], 17),
      ("Sin", [:], { Foundation.sin($0) }, -3...3, [], 17),
      ("Cos", [:], { Foundation.cos($0) }, -3...3, [], 17),
      // float32 to float32: the identity. Casts through other float types: `castRoundTrip`.
      ("Cast", ["to": .int(Int(DataType.float32.rawValue))], { $0 }, -2...2, [], 17),
    ]

  @Test(arguments: unaryCases.indices)
  func unaryActivation(_ index: Int) throws {
    let (op, attributes, f, range, avoid, opset) = Self.unaryCases[index]
    var rng = SeededGenerator(seed: 100 + UInt64(index))
    let x = GradientChecker.random([3, 7], in: range, avoid: avoid, using: &rng)
    try GradientChecker.check(
      GradientCase(node: Self.node(op, ["x"], attributes), opset: opset, inputs: [("x", x)], reference: R.unary(f)),
      seed: 100 + UInt64(index))
  }

  @Test func clipWithBoundInputs() throws {
    var rng = SeededGenerator(seed: 7)
    let x = GradientChecker.random([4, 5], avoid: [-0.3, 0.4], using: &rng)
    try GradientChecker.check(
      GradientCase(
        node: Self.node("Clip", ["x", "lo", "hi"]), inputs: [("x", x)],
        constants: ["lo": Tensor(shape: [], floats: [-0.3]), "hi": Tensor(shape: [], floats: [0.4])],
        reference: R.unary { min(max($0, -0.3), 0.4) }))
  }

  /// Broadcasting arithmetic: both operands differentiated, the second broadcast along several axes.
  @Test(arguments: ["Add", "Sub", "Mul", "Div", "Pow"])
  func broadcastArithmetic(_ op: String) throws {
    var rng = SeededGenerator(seed: 11)
    let positive = op == "Pow" || op == "Div"
    let a = GradientChecker.random([2, 3, 4], in: positive ? 0.5...2 : -2...2, using: &rng)
    let b = GradientChecker.random([3, 1], in: positive ? 0.5...2 : -2...2, using: &rng)
    try GradientChecker.check(GradientCase(node: Self.node(op, ["a", "b"]), inputs: [("a", a), ("b", b)]), seed: 11)
    // And the other way round: the first operand broadcast.
    try GradientChecker.check(GradientCase(node: Self.node(op, ["b", "a"]), inputs: [("b", b), ("a", a)]), seed: 12)
  }

  @Test func whereRoutesGradientsByCondition() throws {
    var rng = SeededGenerator(seed: 13)
    let condition = Tensor(shape: [2, 3], scalars: (0..<6).map { UInt8($0 % 2) }, dtype: .bool)
    try GradientChecker.check(
      GradientCase(
        node: Self.node("Where", ["c", "x", "y2"]),
        inputs: [
          ("x", GradientChecker.random([2, 3], using: &rng)), ("y2", GradientChecker.random([3], using: &rng)),
        ],
        constants: ["c": condition]))
  }

  @Test(arguments: [(-1, false, 13), (1, false, 13), (-1, true, 13), (1, false, 11)])
  func softmax(axis: Int, log: Bool, opset: Int) throws {
    var rng = SeededGenerator(seed: 17)
    let x = GradientChecker.random([2, 3, 4], using: &rng)
    var reference = R.softmax(axis: axis, log: log)
    if opset < 13 {
      // Before opset 13 the input is read as a [2, 12] matrix.
      reference = { inputs in
        let flat = DTensor(shape: [2, 12], values: inputs[0]!.values)
        let y = try R.softmax(axis: 1, log: log)([flat])[0]
        return [DTensor(shape: [2, 3, 4], values: y.values)]
      }
    }
    try GradientChecker.check(
      GradientCase(
        node: Self.node(log ? "LogSoftmax" : "Softmax", ["x"], ["axis": .int(axis)]), opset: opset,
        inputs: [("x", x)], reference: reference))
  }

  @Test func layerNormalization() throws {
    var rng = SeededGenerator(seed: 19)
    try GradientChecker.check(
      GradientCase(
        node: Self.node("LayerNormalization", ["x", "s", "b"], ["axis": .int(-1), "epsilon": .float(1e-3)]),
        inputs: [
          ("x", GradientChecker.random([3, 2, 5], using: &rng)), ("s", GradientChecker.random([5], using: &rng)),
          ("b", GradientChecker.random([5], using: &rng)),
        ], reference: R.layerNorm(axis: -1, epsilon: Double(Float(1e-3)))))
  }

  @Test(arguments: [TrainingExecutor.BatchNormMode.batchStatistics, .runningStatistics])
  func batchNormalization(_ mode: TrainingExecutor.BatchNormMode) throws {
    var rng = SeededGenerator(seed: 23)
    let epsilon = Double(Float(1e-3))
    let mean = GradientChecker.random([3], using: &rng)
    let variance = GradientChecker.random([3], in: 0.5...2, using: &rng)
    try GradientChecker.check(
      GradientCase(
        node: Self.node("BatchNormalization", ["x", "s", "b", "m", "v"], ["epsilon": .float(1e-3)]),
        inputs: [
          ("x", GradientChecker.random([2, 3, 2, 2], using: &rng)), ("s", GradientChecker.random([3], using: &rng)),
          ("b", GradientChecker.random([3], using: &rng)),
        ],
        constants: ["m": mean.float32, "v": variance.float32],
        reference: { inputs in
          try R.batchNorm(epsilon: epsilon, training: mode == .batchStatistics)(
            Array(inputs[0..<3]) + [mean, variance])
        }, batchNorm: mode))
  }

  @Test(arguments: [("ReduceSum", 13), ("ReduceMean", 18), ("ReduceMean", 17), ("ReduceSum", 11)])
  func reductions(op: String, opset: Int) throws {
    var rng = SeededGenerator(seed: 29)
    let x = GradientChecker.random([2, 3, 4], using: &rng)
    let axesAsInput = (op == "ReduceSum" && opset >= 13) || opset >= 18
    for keepDims in [0, 1] {
      let inputs = axesAsInput ? ["x", "axes"] : ["x"]
      var attributes: OrderedMap<String, Attribute> = ["keepdims": .int(keepDims)]
      if !axesAsInput { attributes["axes"] = .ints([0, -1]) }
      try GradientChecker.check(
        GradientCase(
          node: Self.node(op, inputs, attributes), opset: opset, inputs: [("x", x)],
          constants: axesAsInput ? ["axes": Self.ints([0, -1])] : [:],
          reference: R.reduce(mean: op == "ReduceMean", axes: [0, 2], keepDims: keepDims == 1)))
    }
  }

  /// Conv: groups, strides, pads, dilations, bias; a 1-D case; SAME_UPPER auto-padding.
  @Test(arguments: 0..<4)
  func conv(_ variant: Int) throws {
    var rng = SeededGenerator(seed: 31 + UInt64(variant))
    var attributes: OrderedMap<String, Attribute>
    var x: DTensor
    var w: DTensor
    var reference: R.Op
    switch variant {
    case 0:
      attributes = [
        "strides": .ints([2, 1]), "pads": .ints([1, 0, 1, 2]), "dilations": .ints([1, 2]), "group": .int(2),
      ]
      x = GradientChecker.random([2, 4, 5, 6], using: &rng)
      w = GradientChecker.random([6, 2, 3, 2], using: &rng)
      reference = R.conv(strides: [2, 1], pads: [1, 0, 1, 2], dilations: [1, 2], group: 2)
    case 1:
      attributes = ["strides": .ints([1, 1]), "pads": .ints([1, 1, 1, 1])]
      x = GradientChecker.random([1, 3, 4, 4], using: &rng)
      w = GradientChecker.random([2, 3, 3, 3], using: &rng)
      reference = R.conv(strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1)
    case 2:
      attributes = ["strides": .ints([2]), "pads": .ints([1, 1])]
      x = GradientChecker.random([2, 2, 7], using: &rng)
      w = GradientChecker.random([3, 2, 3], using: &rng)
      reference = R.conv(strides: [2], pads: [1, 1], dilations: [1], group: 1)
    default:
      // Depthwise with SAME_UPPER padding and stride 2.
      attributes = ["strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER"), "group": .int(3)]
      x = GradientChecker.random([1, 3, 5, 5], using: &rng)
      w = GradientChecker.random([3, 1, 3, 3], using: &rng)
      reference = R.conv(strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 3, autoPad: "SAME_UPPER")
    }
    let b = GradientChecker.random([w.shape[0]], using: &rng)
    try GradientChecker.check(
      GradientCase(
        node: Self.node("Conv", ["x", "w", "b"], attributes), inputs: [("x", x), ("w", w), ("b", b)],
        reference: reference), seed: 31 + UInt64(variant))
  }

  @Test(arguments: 0..<3)
  func convTranspose(_ variant: Int) throws {
    var rng = SeededGenerator(seed: 37 + UInt64(variant))
    let (x, w, attributes, reference): (DTensor, DTensor, OrderedMap<String, Attribute>, R.Op)
    switch variant {
    case 0:
      x = GradientChecker.random([2, 4, 3, 3], using: &rng)
      w = GradientChecker.random([4, 3, 3, 2], using: &rng)
      attributes = [
        "strides": .ints([2, 3]), "pads": .ints([1, 0, 0, 1]), "output_padding": .ints([1, 1]), "group": .int(2),
      ]
      reference = R.convTranspose(
        strides: [2, 3], pads: [1, 0, 0, 1], dilations: [1, 1], group: 2, outputPadding: [1, 1])
    case 1:
      x = GradientChecker.random([1, 2, 3, 4], using: &rng)
      w = GradientChecker.random([2, 2, 2, 2], using: &rng)
      attributes = ["dilations": .ints([2, 1]), "pads": .ints([0, 1, 1, 0])]
      reference = R.convTranspose(
        strides: [1, 1], pads: [0, 1, 1, 0], dilations: [2, 1], group: 1, outputPadding: [0, 0])
    default:
      x = GradientChecker.random([2, 3, 4], using: &rng)
      w = GradientChecker.random([3, 2, 3], using: &rng)
      attributes = ["strides": .ints([2]), "pads": .ints([1, 0])]
      reference = R.convTranspose(strides: [2], pads: [1, 0], dilations: [1], group: 1, outputPadding: [0])
    }
    let mChannels = w.shape[1] * (attributes["group"]?.intValue ?? 1)
    let b = GradientChecker.random([mChannels], using: &rng)
    try GradientChecker.check(
      GradientCase(
        node: Self.node("ConvTranspose", ["x", "w", "b"], attributes), inputs: [("x", x), ("w", w), ("b", b)],
        reference: reference), seed: 37 + UInt64(variant))
  }

  @Test(arguments: [(false, false, [4]), (true, false, [3, 4]), (false, true, [1, 4]), (true, true, [3, 1])])
  func gemm(transA: Bool, transB: Bool, biasShape: [Int]) throws {
    var rng = SeededGenerator(seed: 41)
    let a = GradientChecker.random(transA ? [5, 3] : [3, 5], using: &rng)
    let b = GradientChecker.random(transB ? [4, 5] : [5, 4], using: &rng)
    let c = GradientChecker.random(biasShape, using: &rng)
    try GradientChecker.check(
      GradientCase(
        node: Self.node(
          "Gemm", ["a", "b", "c"],
          ["alpha": .float(0.5), "beta": .float(1.5), "transA": .int(transA ? 1 : 0), "transB": .int(transB ? 1 : 0)]),
        inputs: [("a", a), ("b", b), ("c", c)],
        reference: R.gemm(alpha: 0.5, beta: 1.5, transA: transA, transB: transB)))
  }

  @Test(arguments: [
    ([2, 3, 4], [4, 5]), ([3, 4], [2, 4, 5]), ([2, 1, 3, 4], [3, 4, 2]), ([4], [2, 4, 3]), ([2, 3, 4], [4]), ([4], [4]),
  ])
  func matmul(aShape: [Int], bShape: [Int]) throws {
    var rng = SeededGenerator(seed: 43)
    try GradientChecker.check(
      GradientCase(
        node: Self.node("MatMul", ["a", "b"]),
        inputs: [
          ("a", GradientChecker.random(aShape, using: &rng)), ("b", GradientChecker.random(bShape, using: &rng)),
        ],
        reference: R.matmul))
  }

  @Test(arguments: 0..<3)
  func maxPool(_ variant: Int) throws {
    var rng = SeededGenerator(seed: 47)
    let configurations: [(shape: [Int], kernel: [Int], strides: [Int], pads: [Int], dilations: [Int], ceil: Bool)] = [
      ([2, 2, 4, 4], [2, 2], [2, 2], [0, 0, 0, 0], [1, 1], false),
      ([1, 2, 5, 5], [3, 2], [2, 1], [1, 0, 1, 1], [1, 2], true),
      ([2, 3, 7], [3], [2], [1, 1], [1], false),
    ]
    let p = configurations[variant]
    try GradientChecker.check(
      GradientCase(
        node: Self.node(
          "MaxPool", ["x"],
          [
            "kernel_shape": .ints(p.kernel), "strides": .ints(p.strides), "pads": .ints(p.pads),
            "dilations": .ints(p.dilations), "ceil_mode": .int(p.ceil ? 1 : 0),
          ]),
        inputs: [("x", GradientChecker.distinct(p.shape, using: &rng))],
        reference: R.pool(
          max: true, kernel: p.kernel, strides: p.strides, pads: p.pads, dilations: p.dilations, ceil: p.ceil)))
  }

  @Test(arguments: [false, true])
  func averagePool(countIncludePad: Bool) throws {
    var rng = SeededGenerator(seed: 53)
    try GradientChecker.check(
      GradientCase(
        node: Self.node(
          "AveragePool", ["x"],
          [
            "kernel_shape": .ints([3, 2]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 0]),
            "ceil_mode": .int(1), "count_include_pad": .int(countIncludePad ? 1 : 0),
          ]),
        inputs: [("x", GradientChecker.random([2, 2, 5, 4], using: &rng))],
        reference: R.pool(
          max: false, kernel: [3, 2], strides: [2, 2], pads: [1, 1, 1, 0], ceil: true, countIncludePad: countIncludePad)
      ))
  }

  @Test func globalAveragePool() throws {
    var rng = SeededGenerator(seed: 59)
    try GradientChecker.check(
      GradientCase(
        node: Self.node("GlobalAveragePool", ["x"]),
        inputs: [("x", GradientChecker.random([2, 3, 3, 2], using: &rng))],
        reference: R.globalAveragePool))
  }

  /// Layout ops run by the executor in float64 for the reference.
  @Test(arguments: 0..<11)
  func layout(_ variant: Int) throws {
    var rng = SeededGenerator(seed: 61 + UInt64(variant))
    let x = GradientChecker.random([2, 3, 4], using: &rng)
    let cases: [(Node, [(String, DTensor)], [String: Tensor], Int)] = [
      (Self.node("Flatten", ["x"], ["axis": .int(2)]), [("x", x)], [:], 17),
      (Self.node("Reshape", ["x", "shape"]), [("x", x)], ["shape": Self.ints([4, -1])], 17),
      (Self.node("Transpose", ["x"], ["perm": .ints([1, 2, 0])]), [("x", x)], [:], 17),
      (
        Self.node("Squeeze", ["x1", "axes"]), [("x1", GradientChecker.random([2, 1, 3], using: &rng))],
        ["axes": Self.ints([1])], 17
      ),
      (Self.node("Unsqueeze", ["x", "axes"]), [("x", x)], ["axes": Self.ints([0, -1])], 17),
      (
        Self.node("Concat", ["x", "x2"], ["axis": .int(1)]),
        [("x", x), ("x2", GradientChecker.random([2, 2, 4], using: &rng))], [:], 17
      ),
      (
        Self.node("Split", ["x", "sizes"], outputs: ["y0", "y1"], ["axis": .int(2)]), [("x", x)],
        ["sizes": Self.ints([1, 3])], 17
      ),
      (
        Self.node("Slice", ["x", "starts", "ends", "axes", "steps"]), [("x", x)],
        [
          "starts": Self.ints([3, 0]), "ends": Self.ints([0, 3]), "axes": Self.ints([2, 1]),
          "steps": Self.ints([-2, 2]),
        ], 17
      ),
      // Embedding lookup with a repeated and a negative index: rows accumulate.
      (
        Self.node("Gather", ["table", "ids"]), [("table", GradientChecker.random([5, 3], using: &rng))],
        ["ids": Tensor(shape: [2, 3], scalars: [Int64(1), 4, 1, 0, -1, 2], dtype: .int64)], 17
      ),
      (
        Self.node("Gather", ["x", "ids"], ["axis": .int(1)]), [("x", x)],
        ["ids": Tensor(shape: [2], scalars: [Int64(2), 2], dtype: .int64)], 17
      ),
      (Self.node("Identity", ["x"]), [("x", x)], [:], 17),
    ]
    let (node, inputs, constants, opset) = cases[variant]
    try GradientChecker.check(
      GradientCase(node: node, opset: opset, inputs: inputs, constants: constants), seed: 61 + UInt64(variant))
  }

  /// Cast's rule passes the gradient through, cast back to the input's type (PyTorch's `Tensor.to(dtype)` does the
  /// same). It is defined only between float types: a Cast from a non-float input gets no gradient. Through
  /// float16 or bfloat16 the forward rounds, so central differences of `x → Cast(T) → Cast(float32)` would be 0 or
  /// huge; instead the graph's gradient is compared exactly with the seed rounded to `T` (by the second Cast's
  /// rule) and widened back (by the first's), and the forward with `x` rounded to `T`.
  @Test(arguments: [DataType.float64, .float16, .bfloat16])
  func castRoundTrip(_ type: DataType) throws {
    var rng = SeededGenerator(seed: 71)
    let x = GradientChecker.random([3, 5], in: -3...3, using: &rng).float32
    let seed = GradientChecker.random([3, 5], in: -1...1, using: &rng).float32
    let graph = Graph(
      name: "cast", nodes: [
        Node(
          name: "/narrow", opType: "Cast", inputs: ["x"], outputs: ["t"], attributes: ["to": .int(Int(type.rawValue))]),
        Node(
          name: "/widen", opType: "Cast", inputs: ["t"], outputs: ["y"],
          attributes: ["to": .int(Int(DataType.float32.rawValue))]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: [.fixed(3), .fixed(5)])],
      outputs: [ValueInfo(name: "y")])
    let training = try TrainingExecutor(graph: graph, opset: 17, trainable: ["x"])
    let tape = try training.forward(["x": x])
    let gradient = try #require(try tape.backward(seed: ["y": seed])["x"])
    // `values` rounded to `type` and back: float16 by Swift's conversion, bfloat16 to the nearest even upper half.
    func rounded(_ values: Tensor) -> [Float] {
      switch type {
      case .float16: values.floats().map { Float(Float16($0)) }
      case .bfloat16:
        values.floats().map {
          let bits = $0.bitPattern
          return Float(bitPattern: (bits &+ 0x7FFF &+ (bits >> 16 & 1)) & 0xFFFF_0000)
        }
      default: values.floats()
      }
    }
    #expect(gradient.dtype == .float32 && gradient.shape == [3, 5])
    #expect(tape.outputs["y"]!.floats().map(\.bitPattern) == rounded(x).map(\.bitPattern), "forward via \(type)")
    #expect(gradient.floats().map(\.bitPattern) == rounded(seed).map(\.bitPattern), "gradient via \(type)")
    if type != .float64 { #expect(rounded(seed) != seed.floats(), "the seed is not representable in \(type)") }
  }

  /// Every rule in the standard table is checked by a test in this suite (add the op here with its check).
  @Test func everyStandardRuleIsChecked() {
    let checked =
      Set(Self.unaryCases.map(\.0)).union([
        "Add", "Sub", "Mul", "Div", "Pow", "Where", "Softmax", "LogSoftmax", "LayerNormalization", "BatchNormalization",
        "ReduceSum", "ReduceMean", "Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool",
        "GlobalAveragePool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice",
        "Gather", "Identity",
      ])
    #expect(GradientTable.standard.opTypes().filter { !checked.contains($0) } == [])
  }

  /// Every op the issue lists has a rule in the standard table.
  @Test func standardTableCoversTheListedOps() {
    let listed = [
      "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh",
      "HardSigmoid", "HardSwish", "Erf", "Gelu", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Softmax",
      "LayerNormalization", "ReduceMean", "ReduceSum", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten",
      "Reshape", "Transpose", "Concat", "Split", "Slice", "Gather", "Squeeze", "Unsqueeze", "Where", "Identity",
    ]
    let table = Set(GradientTable.standard.opTypes())
    #expect(listed.filter { !table.contains($0) } == [])
  }
}
