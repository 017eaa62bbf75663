import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import Testing

@Suite("ONNX QDQ export")
struct ExportTests {
  /// Prepares and calibrates the tiny model; returns the quantizer, the prepared model and a test batch.
  static func calibrated(_ plan: QuantizationPlan, _ model: Model) throws -> (Quantizer, PreparedModel, Tensor) {
    let quantizer = try Quantizer(plan: plan, model: model)
    let prepared = try quantizer.prepare(exampleInputs: [["x": QuantizerFixtures.input(4, seed: 1)]])
    try quantizer.calibrationMode {
      for seed in 2..<5 { _ = try prepared(["x": QuantizerFixtures.input(16, seed: UInt64(seed))]) }
    }
    return (quantizer, prepared, QuantizerFixtures.input(32, seed: 99))
  }

  /// onnxruntime has DequantizeLinear kernels for every dtype but float4 (DESIGN.md §3.6), which the reference
  /// evaluator checks instead. int2/uint2 weights next to quantized activations run with onnxruntime's graph
  /// optimizations off: its QDQ fusion turns them into a QLinearConv, which rejects int2 (an onnxruntime gap).
  static func runtime(_ dtype: QuantDType, activations: Bool) -> ExportOracle.Runtime {
    switch dtype {
    case .float4_e2m1fn: .reference
    case .int2,
      .uint2 where activations:
      .ortUnoptimized
    default: .ort
    }
  }

  static let expectedOpset: [QuantDType: Int] = [
    .int8: 17, .uint8: 17, .float8_e4m3fn: 21, .float8_e5m2: 21, .int4: 21, .uint4: 21, .float4_e2m1fn: 23,
    .int2: 25, .uint2: 25,
  ]

  /// Every dtype, weight-only and with uint8 activations: checker passes, the runtime's outputs match the prepared
  /// model's. Weights: Conv per-channel; Gemm per-channel for 8-bit integers, per-block (axis 1, 8) otherwise.
  @Test(arguments: QuantDType.allCases, [false, true])
  func everyDTypeExportsAndMatchesThePreparedModel(_ dtype: QuantDType, _ withActivations: Bool) throws {
    guard ExportOracle.available() else { return }
    let model = QuantizerFixtures.tinyModel()
    let blocked = dtype != .int8 && dtype != .uint8
    let plan = QuantizerFixtures.tinyPlan(
      model, weight: dtype, fcGranularity: blocked ? .perBlock(axis: 1, blockSize: 8) : nil,
      activations: withActivations ? QuantizerFixtures.activationSpec(.uint8) : nil)
    let (quantizer, prepared, x) = try Self.calibrated(plan, model)
    let exported = try quantizer.finalize(backend: .onnx)
    #expect(exported.defaultOpset == Self.expectedOpset[dtype])
    let expected = try prepared(["x": x])["y"]!
    let actual = try ExportOracle.run(
      exported, inputs: ["x": x], runtime: Self.runtime(dtype, activations: withActivations))
    let diff = maxAbsDiff(expected, actual)
    if withActivations {
      // Output codes may differ by one step where a float accumulation lands next to a rounding boundary
      // (onnxruntime sums a Conv/Gemm in a different order), and such a flip upstream moves the logits by about one
      // output step; the rest agrees exactly.
      let step = try #require(try quantizer.activationQParams(3)).scale[0]
      #expect(diff <= 1.01 * step, "\(dtype): max |Δ| \(diff), output step \(step)")
    } else {
      // Weight-only: the same dequantized weights in float32; only the summation order differs.
      #expect(diff <= 1e-5, "\(dtype): max |Δ| \(diff)")
    }
    let kind = withActivations ? "W+A8" : "weight-only"
    print("export \(dtype) \(kind) [\(Self.runtime(dtype, activations: withActivations))]: max |Δ| \(diff)")
  }

  @Test func layoutFollowsOnnxruntime() throws {
    let model = QuantizerFixtures.tinyModel()
    let plan = QuantizerFixtures.tinyPlan(model, weight: .int8, activations: QuantizerFixtures.activationSpec())
    let (quantizer, _, _) = try Self.calibrated(plan, model)
    let exported = try quantizer.finalize(backend: .onnx)
    let graph = exported.graph
    #expect(graph.opCounts()["QuantizeLinear"] == 4)
    #expect(graph.opCounts()["DequantizeLinear"] == 8)  // 4 activations + 2 weights + 2 int32 biases
    #expect(graph.initializers["conv.weight_quantized"]?.dtype == .int8)
    #expect(graph.initializers["conv.bias_quantized"]?.dtype == .int32)
    #expect(graph.initializers["conv.weight"] == nil)
    // Bias scale = input scale × weight scale per channel.
    let sIn = try #require(try quantizer.activationQParams(0)).scale[0]
    let sW = try #require(quantizer.weightQParams(0)).scale
    #expect(graph.initializers["conv.bias_scale"]?.scalars(as: Float.self) == sW.map { sIn * $0 })
    // Flatten shares the Relu output's scale initializer; the graph output keeps its name.
    let flattenQ = try #require(graph.nodes.first { $0.opType == "QuantizeLinear" && $0.inputs[0] == "f" })
    #expect(flattenQ.inputs[1] == "r_scale")
    #expect(graph.outputs.map(\.name) == ["y"])
    #expect(graph.nodes.last?.opType == "DequantizeLinear")
    // Deterministic bytes.
    let again = try Self.calibrated(plan, model).0.finalize(backend: .onnx)
    #expect(try exported.serializedBytes() == again.serializedBytes())
  }

  @Test func floatBiasOption() throws {
    let model = QuantizerFixtures.tinyModel()
    let plan = QuantizerFixtures.tinyPlan(model, weight: .int8, activations: QuantizerFixtures.activationSpec())
    let quantizer = try Quantizer(plan: plan, model: model, options: .init(biasQuantization: .float))
    _ = try quantizer.prepare(exampleInputs: [["x": QuantizerFixtures.input(4, seed: 1)]])
    let graph = try quantizer.finalize().graph
    #expect(graph.initializers["conv.bias"]?.dtype == .float32)
    #expect(graph.opCounts()["DequantizeLinear"] == 6)
  }

  @Test func castTo16BitStoresRemainingFloatWeightsAsHalf() throws {
    guard ExportOracle.available() else { return }
    let model = QuantizerFixtures.tinyModel()
    // Only the Conv weight is quantized: the Gemm weight (48 values) becomes float16 behind a Cast.
    var plan = QuantizerFixtures.tinyPlan(model, weight: .int8, activations: nil)
    plan.weights.removeLast()
    let quantizer = try Quantizer(plan: plan, model: model)
    let prepared = try quantizer.prepare(exampleInputs: [])
    let exported = try quantizer.finalize(backend: .onnx, castTo16Bit: true)
    #expect(exported.graph.initializers["fc.weight_fp16"]?.dtype == .float16)
    #expect(exported.graph.opCounts()["Cast"] == 1)
    let x = QuantizerFixtures.input(8, seed: 5)
    let actual = try ExportOracle.run(exported, inputs: ["x": x], runtime: .ort)
    // float16 rounding of the weights: relative error ≤ 2^−11 per weight, 16 terms of size ~1.
    #expect(maxAbsDiff(try prepared(["x": x])["y"]!, actual) < 1e-2)
  }

  @Test func minvalIsRejectedWithAClearError() throws {
    let model = QuantizerFixtures.tinyModel()
    var plan = QuantizerFixtures.tinyPlan(model, weight: .int8, activations: nil)
    plan.weights[0].spec.qformulation = .minval
    let quantizer = try Quantizer(plan: plan, model: model)
    _ = try quantizer.prepare(exampleInputs: [])
    let error = #expect(throws: QuantizationError.self) { try quantizer.finalize() }
    #expect(error?.message.contains("minval") == true)
  }

  /// Raising opset 17 → 21 for int4 moves ReduceMean's `axes` attribute to an input (changed at opset 18).
  @Test func opsetUpgradeRewritesChangedOps() throws {
    guard ExportOracle.available() else { return }
    var rng = SeededRandom(seed: 21)
    let graph = Graph(
      name: "reduce",
      nodes: [
        Node(name: "fc", opType: "Gemm", inputs: ["x", "w"], outputs: ["h"], attributes: ["transB": .int(1)]),
        Node(
          name: "mean", opType: "ReduceMean", inputs: ["h"], outputs: ["y"],
          attributes: ["axes": .ints([1]), "keepdims": .int(1)]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: ["N", 16])],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: ["N", 1])],
      initializers: ["w": Tensor(shape: [4, 16], floats: rng.normals(64))])
    let model = Model(graph: graph, opsetImports: ["": 17])
    let spec = QuantizationSpec(dtype: .int4, granularity: .perBlock(axis: 1, blockSize: 8))
    let plan = QuantizationPlan(
      mode: .graph, graph: graph,
      weights: [
        WeightQuantizer(
          initializer: "w", node: "fc", slot: 1, parameter: "weight", spec: spec, source: QuantizerFixtures.source)
      ], activations: [])
    let quantizer = try Quantizer(plan: plan, model: model)
    let prepared = try quantizer.prepare(exampleInputs: [])
    let exported = try quantizer.finalize()
    #expect(exported.defaultOpset == 21)
    #expect(exported.irVersion == 10)
    let mean = try #require(exported.graph.nodes.first { $0.opType == "ReduceMean" })
    #expect(mean.inputs.count == 2 && mean.attributes["axes"] == nil)
    let x = Tensor(shape: [5, 16], floats: rng.normals(80))
    let actual = try ExportOracle.run(exported, inputs: ["x": x], runtime: .ort)
    #expect(maxAbsDiff(try prepared(["x": x])["y"]!, actual) <= 1e-5)
  }
}
