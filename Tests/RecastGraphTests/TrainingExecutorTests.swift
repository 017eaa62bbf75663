import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// `TrainingExecutor` and `GradientTape` on small graphs: parameters, memory plan, errors, custom-op rules,
/// BatchNormalization statistics, losses and SGD.
@Suite struct TrainingExecutorTests {
  static func graph(_ nodes: [Node], inputs: [ValueInfo], outputs: [String], initializers: [(String, Tensor)] = [])
    -> Graph
  {
    Graph(
      name: "g", nodes: nodes, inputs: inputs, outputs: outputs.map { ValueInfo(name: $0) },
      initializers: OrderedMap(initializers))
  }

  @Test func trainsInitializersAndMatchesHandGradients() throws {
    var training = try TrainingExecutor(GraphFixtures.linearRelu(), trainable: ["W", "b"])
    let x = Tensor(shape: [2, 3], floats: [1, 0, 0, 0, 1, -1])
    let tape = try training.forward(["x": x])
    // h = x·Wᵀ + b = [[1.5, 3.5], [−0.5, −1.5]]; y = relu(h).
    #expect(tape.outputs["y"]?.floats() == [1.5, 3.5, 0, 0])
    let grads = try tape.backward(seed: ["y": Tensor(shape: [2, 2], floats: [1, 2, 3, 4])])
    // Only the first row passes the Relu: dW = dhᵀ·x with dh = [[1, 2], [0, 0]].
    #expect(grads["W"]?.floats() == [1, 0, 0, 2, 0, 0])
    #expect(grads["b"]?.floats() == [1, 2])
    training.parameters["b"] = Tensor(shape: [2], floats: [10, 10])
    #expect(try training.forward(["x": x]).outputs["y"]?.floats() == [11, 14, 9, 9])
    training.parameters["b"] = Tensor(shape: [3], floats: [0, 0, 0])
    #expect(throws: AutodiffError.self) { try training.forward(["x": x]) }
  }

  /// The tape keeps only what the rules read: Exp keeps its output, Relu its input; the Add feeding Exp keeps
  /// nothing, so its output is freed after Exp ran.
  @Test func keepsOnlyWhatBackwardNeeds() throws {
    let g = Self.graph(
      [
        Node(name: "a1", opType: "Add", inputs: ["x", "w"], outputs: ["h1"]),
        Node(name: "e", opType: "Exp", inputs: ["h1"], outputs: ["h2"]),
        Node(name: "a2", opType: "Add", inputs: ["h2", "c"], outputs: ["h3"]),
        Node(name: "r", opType: "Relu", inputs: ["h3"], outputs: ["y"]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: [2])], outputs: ["y"],
      initializers: [("w", Tensor(shape: [2], floats: [0, 1])), ("c", Tensor(shape: [2], floats: [-1, -1]))])
    let training = try TrainingExecutor(graph: g, opset: 17, trainable: ["w"])
    let tape = try training.forward(["x": Tensor(shape: [2], floats: [0, 0])])
    #expect(tape.keptValues == ["h2", "h3", "y"])
    let grads = try tape.backward(seed: ["y": Tensor(shape: [2], floats: [1, 1])])
    // y = relu(e^(x+w) − 1): the first element sits at 0 (no gradient), the second passes e^1.
    #expect(grads["w"]?.floats() == [0, Float(M_E)])
  }

  @Test func missingRuleNamesTheOpAndTheNode() throws {
    let g = Self.graph(
      [
        Node(name: "/head/Mul", opType: "Mul", inputs: ["x", "w"], outputs: ["h"]),
        Node(name: "/head/ReduceMax", opType: "ReduceMax", inputs: ["h"], outputs: ["y"]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: [3])], outputs: ["y"],
      initializers: [("w", Tensor(shape: [3], floats: [1, 2, 3]))])
    let training = try TrainingExecutor(graph: g, opset: 17, trainable: ["w"])
    let error = #expect(throws: AutodiffError.self) {
      try training.forward(["x": Tensor(shape: [3], floats: [1, 1, 1])])
    }
    #expect(error?.kind == .missingRule)
    #expect(error?.message.contains("'/head/ReduceMax' (ReduceMax)") == true)
    // Without a trainable value upstream the same node needs no rule.
    let inference = try TrainingExecutor(graph: g, opset: 17, trainable: [])
    #expect(try inference.forward(["x": Tensor(shape: [3], floats: [1, 1, 1])]).outputs["y"]?.floats() == [3])
    #expect(throws: AutodiffError.self) { try TrainingExecutor(graph: g, opset: 17, trainable: ["nothing"]) }
  }

  /// Integer values on a trainable path (Shape → Reshape's shape, Gather's indices) need no rule and get no
  /// gradient.
  @Test func nonDifferentiableInputsGetNoGradient() throws {
    let g = Self.graph(
      [
        Node(name: "mul", opType: "Mul", inputs: ["x", "w"], outputs: ["h"]),
        Node(name: "shape", opType: "Shape", inputs: ["h"], outputs: ["s"]),
        Node(name: "reshape", opType: "Reshape", inputs: ["h", "s"], outputs: ["r"]),
        Node(name: "gather", opType: "Gather", inputs: ["r", "ids"], outputs: ["y"]),
      ],
      inputs: [
        ValueInfo(name: "x", elementType: .float32, shape: [3]),
        ValueInfo(name: "ids", elementType: .int64, shape: [2]),
      ], outputs: ["y"], initializers: [("w", Tensor(shape: [3], floats: [1, 2, 3]))])
    let training = try TrainingExecutor(graph: g, opset: 17, trainable: ["w", "x"])
    let tape = try training.forward([
      "x": Tensor(shape: [3], floats: [1, 1, 1]), "ids": Tensor(shape: [2], scalars: [Int64(2), 2], dtype: .int64),
    ])
    let grads = try tape.backward(seed: ["y": Tensor(shape: [2], floats: [1, 1])])
    #expect(grads["w"]?.floats() == [0, 0, 2])
    #expect(grads["x"]?.floats() == [0, 0, 6])
    #expect(Set(grads.keys) == ["w", "x"])
    let seedError = #expect(throws: AutodiffError.self) {
      try tape.backward(seed: ["h": Tensor(shape: [3], floats: [1, 1, 1])])
    }
    #expect(seedError?.kind == .seed)
  }

  /// A custom op (a toy fake-quant on a 0.25 grid, clamped to [0, 1]) runs through its `CustomKernel`; its
  /// straight-through-estimator rule, registered for the op, passes the gradient inside the clamp range only.
  @Test func customOpRuleFromTheTable() throws {
    let kernel = CustomKernel(domain: "ai.test", opType: "ToyFakeQuant") { _ in
      { inputs in
        let x = inputs[0]!.floats()
        return [Tensor(shape: inputs[0]!.shape, floats: x.map { min(max(($0 * 4).rounded() / 4, 0), 1) })]
      }
    }
    let ste = GradientRule(domain: "ai.test", opType: "ToyFakeQuant") { _ in
      .init(savingInputs: [0]) { context in
        let x = try context.input(0).floats()
        let dy = try context.gradient().floats()
        return [Tensor(shape: try context.inputShape(0), floats: zip(x, dy).map { $0 >= 0 && $0 <= 1 ? $1 : 0 })]
      }
    }
    let g = Self.graph(
      [
        Node(name: "mul", opType: "Mul", inputs: ["x", "w"], outputs: ["h"]),
        Node(name: "fq", opType: "ToyFakeQuant", domain: "ai.test", inputs: ["h"], outputs: ["y"]),
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: [4])], outputs: ["y"],
      initializers: [("w", Tensor(shape: [4], floats: [1, 1, 1, 1]))])
    let x = Tensor(shape: [4], floats: [-0.5, 0.3, 0.9, 1.5])
    var table = GradientTable.standard
    table.register(ste)
    let training = try TrainingExecutor(
      graph: g, opset: 17, trainable: ["w"], options: .init(customKernels: [kernel], gradients: table))
    let tape = try training.forward(["x": x])
    #expect(tape.outputs["y"]?.floats() == [0, 0.25, 1, 1])
    let grads = try tape.backward(seed: ["y": Tensor(shape: [4], floats: [1, 1, 1, 1])])
    #expect(grads["w"]?.floats() == [0, 0.3, 0.9, 0])
    // Without the rule the node is reported.
    let plain = try TrainingExecutor(graph: g, opset: 17, trainable: ["w"], options: .init(customKernels: [kernel]))
    let error = #expect(throws: AutodiffError.self) { try plain.forward(["x": x]) }
    #expect(error?.message.contains("'fq' (ToyFakeQuant)") == true)
  }

  /// Batch statistics normalise each channel and move the running statistics by ONNX's momentum rule; running
  /// statistics mode uses and keeps them.
  @Test func batchNormRunningStatistics() throws {
    let g = Self.graph(
      [
        Node(
          name: "bn", opType: "BatchNormalization", inputs: ["x", "s", "b", "m", "v"], outputs: ["y"],
          attributes: ["momentum": .float(0.75), "epsilon": .float(0)])
      ],
      inputs: [ValueInfo(name: "x", elementType: .float32, shape: [4, 1])], outputs: ["y"],
      initializers: [
        ("s", Tensor(shape: [1], floats: [1])), ("b", Tensor(shape: [1], floats: [0])),
        ("m", Tensor(shape: [1], floats: [1])), ("v", Tensor(shape: [1], floats: [1])),
      ])
    let x = Tensor(shape: [4, 1], floats: [1, 3, 5, 7])
    var training = try TrainingExecutor(graph: g, opset: 17, trainable: ["s", "b"])
    let tape = try training.forward(["x": x])
    // Batch mean 4, biased variance 5.
    let y = tape.outputs["y"]!.floats()
    #expect(abs(y[0] + 3 / Float(5).squareRoot()) < 1e-6)
    #expect(tape.runningStatistics["m"]?.floats() == [0.75 * 1 + 0.25 * 4])
    #expect(tape.runningStatistics["v"]?.floats() == [0.75 * 1 + 0.25 * 5])
    training.update(from: tape)
    #expect(training.runningStatistics["m"]?.floats() == [1.75])

    var unbiased = try TrainingExecutor(
      graph: g, opset: 17, trainable: ["s"], options: .init(unbiasedRunningVariance: true))
    unbiased.runningStatistics = training.runningStatistics
    let unbiasedVariance = try unbiased.forward(["x": x]).runningStatistics["v"]!.floats()[0]
    #expect(abs(unbiasedVariance - (0.75 * 2 + 0.25 * 20 / 3)) < 1e-6)

    var frozen = try TrainingExecutor(
      graph: g, opset: 17, trainable: ["s"], options: .init(batchNorm: .runningStatistics))
    frozen.runningStatistics = training.runningStatistics
    let frozenTape = try frozen.forward(["x": x])
    #expect(frozenTape.runningStatistics.isEmpty)
    let expected = [1, 3, 5, 7].map { (Float($0) - 1.75) / Float(2).squareRoot() }
    #expect(zip(frozenTape.outputs["y"]!.floats(), expected).allSatisfy { abs($0 - $1) < 1e-5 })
  }

  @Test func crossEntropyAndMeanSquaredError() throws {
    let logits = Tensor(shape: [2, 3], floats: [0, 0, 0, 1, 2, 3])
    let (loss, gradient) = try Loss.crossEntropy(logits: logits, labels: [0, 2])
    let p = [1, M_E, M_E * M_E].map { $0 / (1 + M_E + M_E * M_E) }
    #expect(abs(loss - (log(3) - log(p[2])) / 2) < 1e-6)
    let g = gradient.floats()
    #expect(abs(Double(g[0]) - (1.0 / 3 - 1) / 2) < 1e-6)
    #expect(abs(Double(g[5]) - (p[2] - 1) / 2) < 1e-6)
    #expect(throws: TensorError.self) { try Loss.crossEntropy(logits: logits, labels: [0, 3]) }
    #expect(throws: TensorError.self) { try Loss.crossEntropy(logits: logits, labels: [0]) }
    let (mse, dmse) = try Loss.meanSquaredError(
      prediction: Tensor(shape: [2], floats: [1, 2]), target: Tensor(shape: [2], floats: [0, 4]))
    #expect(mse == 2.5)
    #expect(dmse.floats() == [1, -2])
  }

  /// SGD against PyTorch's update rule, written out for three steps.
  @Test(arguments: [(0.0, false, 0.0), (0.9, false, 0.0), (0.9, true, 0.1)])
  func sgdFollowsTorchRule(momentum: Double, nesterov: Bool, decay: Double) throws {
    var optimizer = SGD(learningRate: 0.1, momentum: Float(momentum), nesterov: nesterov, weightDecay: Float(decay))
    var parameters = ["p": Tensor(shape: [1], floats: [1])]
    var (p, b): (Double, Double?) = (1, nil)
    for _ in 0..<3 {
      let gradient = 2.0 * p  // d/dp p²
      try optimizer.step(&parameters, gradients: ["p": Tensor(shape: [1], floats: [Float(gradient)])])
      let g = Double(Float(gradient)) + decay * p
      b = b.map { momentum * $0 + g } ?? g
      let direction = momentum == 0 ? g : (nesterov ? g + momentum * b! : b!)
      p -= 0.1 * direction
      #expect(abs(Double(parameters["p"]!.floats()[0]) - p) < 1e-5)
    }
  }
}
