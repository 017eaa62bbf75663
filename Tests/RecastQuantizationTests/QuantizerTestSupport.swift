import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import TestSupport
import Testing

/// Small models, hand-built plans and the onnx/onnxruntime oracle for the Quantizer and export tests.
enum QuantizerFixtures {
  static let source = SpecSource(
    scope: .global(isLibraryDefault: true), rule: .scope, field: nil, isLibraryDefault: true, outcome: .noKey)

  /// `x[N,1,4,4] → Conv(4 filters 3×3, bias) → Relu → Flatten → Gemm(16→3, transB=1, bias) → y`, seeded weights.
  static func tinyModel(seed: UInt64 = 7) -> Model {
    var rng = SeededRandom(seed: seed)
    let graph = Graph(
      name: "tiny",
      nodes: [
        Node(
          name: "conv", opType: "Conv", inputs: ["x", "conv.weight", "conv.bias"], outputs: ["c"],
          attributes: ["kernel_shape": .ints([3, 3])]),
        Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
        Node(name: "flatten", opType: "Flatten", inputs: ["r"], outputs: ["f"]),
        Node(
          name: "fc", opType: "Gemm", inputs: ["f", "fc.weight", "fc.bias"], outputs: ["y"],
          attributes: ["transB": .int(1)]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: ["N", 1, 4, 4])],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: ["N", 3])],
      initializers: [
        "conv.weight": Tensor(shape: [4, 1, 3, 3], floats: rng.normals(36, scale: 0.5)),
        "conv.bias": Tensor(shape: [4], floats: rng.normals(4, scale: 0.1)),
        "fc.weight": Tensor(shape: [3, 16], floats: rng.normals(48, scale: 0.3)),
        "fc.bias": Tensor(shape: [3], floats: rng.normals(3, scale: 0.1)),
      ])
    return Model(graph: graph, opsetImports: ["": 17])
  }

  static func input(_ batch: Int, seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor(shape: [batch, 1, 4, 4], floats: rng.normals(batch * 16, scale: scale))
  }

  static func activationSpec(_ dtype: QuantDType = .uint8, calculator: String = "default") -> QuantizationSpec {
    QuantizationSpec(
      dtype: dtype, qscheme: dtype.isFloat ? .symmetric : .asymmetric, qparamCalculator: calculator)
  }

  /// Weights of `conv` (per-channel axis 0) and `fc` (`fcGranularity`); with `activations`, graph-mode-like sites:
  /// `x`, the Relu output (Flatten's output shares it) and `y`.
  static func tinyPlan(
    _ model: Model, weight: QuantDType, fcGranularity: Granularity? = nil, activations: QuantizationSpec?
  ) -> QuantizationPlan {
    let scheme: QScheme = .symmetric
    let weights = [
      WeightQuantizer(
        initializer: "conv.weight", node: "conv", slot: 1, parameter: "weight",
        spec: QuantizationSpec(dtype: weight, qscheme: scheme, granularity: .perChannel(axis: 0)), source: source),
      WeightQuantizer(
        initializer: "fc.weight", node: "fc", slot: 1, parameter: "weight",
        spec: QuantizationSpec(dtype: weight, qscheme: scheme, granularity: fcGranularity ?? .perChannel(axis: 0)),
        source: source),
    ]
    guard let spec = activations else {
      return QuantizationPlan(mode: .graph, graph: model.graph, weights: weights, activations: [])
    }
    let sites = [
      ActivationQuantizer(id: 0, value: "x", site: .value, spec: spec, source: source, reason: "input"),
      ActivationQuantizer(id: 1, value: "r", site: .value, spec: spec, source: source, reason: "conv-relu output"),
      ActivationQuantizer(
        id: 2, value: "f", site: .value, spec: spec, source: source, sharesQParamsWith: 1, reason: "flatten"),
      ActivationQuantizer(id: 3, value: "y", site: .value, spec: spec, source: source, reason: "fc output"),
    ]
    return QuantizationPlan(mode: .graph, graph: model.graph, weights: weights, activations: sites)
  }

  static let digitsFolder = Paths.repository("Examples/digits")

  /// The digits plan, onnxruntime's QDQ layout: uint8 asymmetric activations on the input, every Conv-Relu and
  /// Gemm-Relu output and the logits; MaxPool/Flatten share their input's; int8 symmetric per-channel weights.
  static func digitsPlan(_ model: Model, calculator: String = "default") -> QuantizationPlan {
    let weightSpec = QuantizationSpec(dtype: .int8, qscheme: .symmetric, granularity: .perChannel(axis: 0))
    let weights = model.graph.nodes.filter { $0.opType == "Conv" || $0.opType == "Gemm" }.map { node in
      WeightQuantizer(
        initializer: node.inputs[1], node: node.name, slot: 1, parameter: "weight", spec: weightSpec, source: source)
    }
    let spec = activationSpec(.uint8, calculator: calculator)
    var sites: [ActivationQuantizer] = []
    func add(_ value: String, shares: Int? = nil) {
      sites.append(
        ActivationQuantizer(
          id: sites.count, value: value, site: .value, spec: spec, source: source, sharesQParamsWith: shares,
          reason: value))
    }
    add("input")
    add("/2/Relu_output_0")
    add("/5/Relu_output_0")
    add("/6/MaxPool_output_0", shares: 2)
    add("/9/Relu_output_0")
    add("/10/MaxPool_output_0", shares: 4)
    add("/11/Flatten_output_0", shares: 4)
    add("/13/Relu_output_0")
    add("logits")
    return QuantizationPlan(mode: .graph, graph: model.graph, weights: weights, activations: sites)
  }

  /// Rows `range` of a tensor along axis 0.
  static func rows(_ x: Tensor, _ range: Range<Int>) -> Tensor {
    let width = x.count / x.shape[0]
    let values = x.scalars(as: Float.self)
    return Tensor(
      shape: [range.count] + x.shape.dropFirst(),
      floats: Array(values[range.lowerBound * width..<range.upperBound * width]))
  }
}

/// Runs exported models in the Python oracle: `onnx.checker.check_model(full_check=True)`, then onnxruntime
/// (`ort`) or `onnx.reference.ReferenceEvaluator` (`reference`).
enum ExportOracle {
  /// `ortUnoptimized`: onnxruntime with graph optimizations off (its QDQ fusion builds a QLinearConv, which has
  /// no int2/uint2 kernel, from int2 weights next to uint8 activations).
  enum Runtime: String { case ort, ortUnoptimized = "ort-noopt", reference }

  static var python: URL? { oraclePython }

  static func available(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    if python != nil { return true }
    let message = "Python oracle not found (set RECAST_PYTHON)"
    if Paths.isCI {
      Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    } else {
      print("skipped: \(message)")
    }
    return false
  }

  static let script = """
    import sys, numpy as np, onnx
    model_path, runtime, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    feeds = {}
    for pair in sys.argv[4:]:
        name, path = pair.split('=', 1)
        feeds[name] = np.load(path)
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    if runtime.startswith('ort'):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        if runtime == 'ort-noopt':
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(model_path, options, providers=['CPUExecutionProvider'])
        results = session.run(None, feeds)
    else:
        from onnx.reference import ReferenceEvaluator
        results = ReferenceEvaluator(model).run(None, feeds)
    for i, result in enumerate(results):
        np.save(out_path.replace('.npy', f'{i}.npy'), np.asarray(result, dtype=np.float32))
    """

  /// Writes `model` and `inputs`, runs the oracle, returns output `output` (default the first).
  static func run(_ model: Model, inputs: [String: Tensor], runtime: Runtime, output: Int = 0) throws -> Tensor {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recast-qdq-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let modelURL = folder.appendingPathComponent("model.onnx")
    try model.write(to: modelURL)
    var arguments = ["-c", script, modelURL.path, runtime.rawValue, folder.appendingPathComponent("out.npy").path]
    for (name, tensor) in inputs.sorted(by: { $0.key < $1.key }) {
      let url = folder.appendingPathComponent("in_\(arguments.count).npy")
      try NPY.write(tensor, to: url)
      arguments.append("\(name)=\(url.path)")
    }
    let result = try runProcess(python!, arguments)
    guard result.status == 0 else {
      throw QuantizationError("oracle (\(runtime)) failed: \(result.stderr.suffix(1500))")
    }
    return try NPY.read(contentsOf: folder.appendingPathComponent("out\(output).npy"))
  }
}

/// Largest absolute elementwise difference.
func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Float {
  zip(a.scalars(as: Float.self), b.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
}
