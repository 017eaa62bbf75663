import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import Testing

/// Additive attention masks (computed from an integer mask input, added to the scores before Softmax) and the masked
/// scores stay float: calibrated without padding the mask's range is `[0, 0]`, so a quantized mask loses its
/// `-3.4e38` at run time, and quantized masked scores clamp it to their calibrated minimum.
@Suite struct PlacementAttentionMaskTests {
  /// One attention head over `x [1,3,4]` with `mask [1,3]` (int64, 1 = token, 0 = padding):
  /// `scores = x·W`; `bias = Expand(Unsqueeze(Where(mask == 0, -3.4e38, 0)), Shape(scores))` (a mask that also
  /// reads the scores' shape, as exporters build it from the hidden states' shape); `p = Softmax(scores + bias)`;
  /// `y = (p·x) · Unsqueeze(Cast(mask))` (the float 0/1 mask used for pooling, a multiplicative input).
  static func attention() -> Model {
    var rng = PlacementFixtures.SeededGenerator(seed: 11)
    let nodes = [
      Node(name: "/att/MatMul", opType: "MatMul", inputs: ["x", "w"], outputs: ["scores"]),
      Node(name: "/mask/Equal", opType: "Equal", inputs: ["mask", "zero_i"], outputs: ["pad"]),
      Node(name: "/mask/Where", opType: "Where", inputs: ["pad", "lowest", "zero_f"], outputs: ["bias2"]),
      Node(name: "/mask/Unsqueeze", opType: "Unsqueeze", inputs: ["bias2", "axis1"], outputs: ["bias1"]),
      Node(name: "/mask/Shape", opType: "Shape", inputs: ["scores"], outputs: ["shape"]),
      Node(name: "/mask/Expand", opType: "Expand", inputs: ["bias1", "shape"], outputs: ["bias"]),
      Node(name: "/att/Add", opType: "Add", inputs: ["scores", "bias"], outputs: ["masked"]),
      Node(name: "/att/Softmax", opType: "Softmax", inputs: ["masked"], outputs: ["p"], attributes: ["axis": .int(-1)]),
      Node(name: "/att/MatMul_1", opType: "MatMul", inputs: ["p", "x"], outputs: ["h"]),
      Node(name: "/pool/Cast", opType: "Cast", inputs: ["mask"], outputs: ["mask_f2"], attributes: ["to": .int(1)]),
      Node(name: "/pool/Unsqueeze", opType: "Unsqueeze", inputs: ["mask_f2", "axis2"], outputs: ["mask_f"]),
      Node(name: "/pool/Mul", opType: "Mul", inputs: ["h", "mask_f"], outputs: ["y"]),
    ]
    let graph = Graph(
      nodes: nodes,
      inputs: [
        ValueInfo(name: "x", elementType: .float32, shape: [1, 3, 4]),
        ValueInfo(name: "mask", elementType: .int64, shape: [1, 3]),
      ],
      outputs: [ValueInfo(name: "y", elementType: .float32, shape: [1, 3, 4])],
      initializers: [
        "w": PlacementFixtures.random([4, 3], in: -1...1, &rng),
        "zero_i": Tensor(shape: [], scalars: [Int64(0)], dtype: .int64),
        "lowest": Tensor(shape: [], floats: [-Float.greatestFiniteMagnitude]),
        "zero_f": Tensor(shape: [], floats: [0]),
        "axis1": Tensor(shape: [1], scalars: [Int64(1)], dtype: .int64),
        "axis2": Tensor(shape: [1], scalars: [Int64(2)], dtype: .int64),
      ])
    return Model(graph: graph)
  }

  static let config = QuantizerConfig.presets.w8a8Asym()

  @Test(arguments: [QuantizerConfig.ExecutionMode.graph, .eager])
  func maskAddedBeforeSoftmaxStaysFloat(mode: QuantizerConfig.ExecutionMode) throws {
    var config = Self.config
    config.executionMode = mode
    let plan = try Placement.plan(config: config, model: Self.attention())
    // The mask, the values it is computed from, and the masked scores.
    for value in ["bias", "bias1", "bias2", "masked"] {
      #expect(plan.quantizers(on: value).isEmpty, "\(value)")
    }
    #expect(plan.keptFloat["bias"]?.contains("additive attention mask") == true)
    #expect(plan.keptFloat["masked"]?.contains("scores carrying an additive mask") == true)
    // Eager mode asks for nothing on Unsqueeze's input, so only graph mode had requests on `bias1`, `bias2` to drop.
    #expect(Set(plan.keptFloat.keys) == (mode == .graph ? ["bias", "bias1", "bias2", "masked"] : ["bias", "masked"]))
    // The scores (read by the mask's Shape only for their shape), the Softmax output and the multiplicative pooling
    // mask are still quantized.
    for value in ["scores", "p", "mask_f"] {
      #expect(!plan.quantizers(on: value).isEmpty, "\(value)")
    }
  }

  @Test func dataDependentAddBeforeSoftmaxIsQuantized() throws {
    // A float graph input added to the scores is data, not a mask.
    var model = Self.attention()
    model.graph.inputs.append(ValueInfo(name: "rel", elementType: .float32, shape: [1, 3, 3]))
    model.graph.nodes[6].inputs[1] = "rel"
    let plan = try Placement.plan(config: Self.config, model: model)
    #expect(plan.quantizer(on: "rel") != nil && plan.quantizer(on: "masked") != nil)
    #expect(plan.keptFloat.isEmpty)
  }

  /// Calibrated on an unpadded input, then run with a padded mask: the prepared model still masks the padding.
  @Test func paddingStaysMaskedAfterCalibrationWithoutPadding() throws {
    let model = Self.attention()
    var rng = PlacementFixtures.SeededGenerator(seed: 5)
    let x = PlacementFixtures.random([1, 3, 4], in: -1...1, &rng)
    let full = Tensor(shape: [1, 3], scalars: [Int64](repeating: 1, count: 3), dtype: .int64)
    let padded = Tensor(shape: [1, 3], scalars: [Int64(1), 1, 0], dtype: .int64)
    let quantizer = try Quantizer(model, config: Self.config)
    let prepared = try quantizer.prepare(exampleInputs: [["x": x, "mask": full]])
    try quantizer.calibrationMode { _ = try prepared(["x": x, "mask": full]) }
    let quantized = try prepared(["x": x, "mask": padded])["y"]!.scalars(as: Float.self)
    let float = try Executor(model).run(["x": x, "mask": padded])["y"]!.scalars(as: Float.self)
    let error = zip(quantized, float).map { abs($0 - $1) }.max() ?? .infinity
    #expect(error < 0.05, "prepared vs float with padding: max |Δ| \(error)")
  }
}
