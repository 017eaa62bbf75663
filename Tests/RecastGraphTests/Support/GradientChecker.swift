import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// One gradient check: a one-node graph whose differentiable inputs are graph inputs (checked) and whose other
/// inputs (shapes, axes, indices, running statistics) are initializers (not differentiated).
struct GradientCase {
  var node: Node
  var opset = 17
  /// Differentiable inputs in node order with their values (already representable in float32).
  var inputs: [(name: String, value: DTensor)]
  var constants: [String: Tensor] = [:]
  /// The op's forward in Double; `nil` runs the same node through the executor in float64 (for the ops whose
  /// kernels take float64: arithmetic, Where and the layout ops).
  var reference: DoubleReference.Op?
  /// BatchNormalization mode for the training executor.
  var batchNorm: TrainingExecutor.BatchNormMode = .batchStatistics
}

/// Checks `TrainingExecutor`'s gradients of `L = Σ seed·y` against central differences of a Double forward.
///
/// The analytic gradient is computed in float32 (forward and backward); the numerical one in Double with
/// `h = 1e-6·max(1, |x|)`, whose truncation (~h²) and rounding (~1e-16/h) errors are far below float32's. So
/// the tolerance is float32's: `|analytic − numeric| ≤ 1e-3·|numeric| + 1e-4·(1 + max|numeric|)`, which allows
/// the few-ulp error of float32 sums over a few hundred terms and still catches any wrong term or factor.
enum GradientChecker {
  static func check(_ c: GradientCase, seed: UInt64 = 1, sourceLocation: SourceLocation = #_sourceLocation) throws {
    var rng = SeededGenerator(seed: seed)
    let outputs = c.node.presentOutputs
    let graph = Graph(
      name: "check", nodes: [c.node],
      inputs: c.inputs.map {
        ValueInfo(name: $0.name, elementType: .float32, shape: $0.value.shape.map { .fixed($0) })
      },
      outputs: outputs.map { ValueInfo(name: $0) },
      initializers: OrderedMap(c.constants.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    let training = try TrainingExecutor(
      graph: graph, opset: c.opset, trainable: Set(c.inputs.map(\.name)), options: .init(batchNorm: c.batchNorm))
    var feeds: [String: Tensor] = [:]
    for (name, value) in c.inputs { feeds[name] = value.float32 }
    let tape = try training.forward(feeds)
    var seeds: [String: DTensor] = [:]
    for name in outputs {
      let shape = tape.outputs[name]!.shape
      let values = (0..<shape.reduce(1, *)).map { _ in Double(Float(Double.random(in: -1...1, using: &rng))) }
      seeds[name] = DTensor(shape: shape, values: values)
    }
    let gradients = try tape.backward(seed: seeds.mapValues(\.float32))

    let reference = try c.reference ?? executorReference(graph: graph, constants: c.constants, opset: c.opset)
    var arguments: [DTensor?] = c.node.inputs.map { name in
      c.inputs.first { $0.name == name }?.value ?? c.constants[name].map(DTensor.init)
    }
    // The reference must agree with the float32 forward (so it really is the op being differentiated).
    let forward = try reference(arguments)
    for (k, name) in outputs.enumerated() {
      let got = DTensor(tape.outputs[name]!)
      #expect(got.shape == forward[k].shape, "\(c.node.opType) output \(name) shape", sourceLocation: sourceLocation)
      let scale = 1 + (forward[k].values.map(abs).max() ?? 0)
      let worst = zip(got.values, forward[k].values).map { abs($0 - $1) }.max() ?? 0
      #expect(
        worst <= 1e-4 * scale, "\(c.node.opType) forward differs from the Double reference by \(worst) (seed \(seed))",
        sourceLocation: sourceLocation)
    }
    func loss(_ arguments: [DTensor?]) throws -> Double {
      let ys = try reference(arguments)
      var total = 0.0
      for (k, name) in outputs.enumerated() { total += zip(seeds[name]!.values, ys[k].values).map(*).reduce(0, +) }
      return total
    }
    for (name, value) in c.inputs {
      guard let position = c.node.inputs.firstIndex(of: name) else { continue }
      let analytic = DTensor(gradients[name]!)
      #expect(
        analytic.shape == value.shape, "gradient of \(name) has shape \(analytic.shape)", sourceLocation: sourceLocation
      )
      var numeric = [Double](repeating: 0, count: value.count)
      for i in 0..<value.count {
        let h = 1e-6 * max(1, abs(value.values[i]))
        var plus = value
        plus.values[i] += h
        var minus = value
        minus.values[i] -= h
        arguments[position] = plus
        let up = try loss(arguments)
        arguments[position] = minus
        let down = try loss(arguments)
        numeric[i] = (up - down) / (2 * h)
      }
      arguments[position] = value
      let scale = 1 + (numeric.map(abs).max() ?? 0)
      for i in 0..<value.count {
        let error = abs(analytic.values[i] - numeric[i])
        if error > 1e-3 * abs(numeric[i]) + 1e-4 * scale {
          Issue.record(
            "\(c.node.opType): d/d\(name)[\(i)] = \(analytic.values[i]), central difference \(numeric[i]) (seed \(seed))",
            sourceLocation: sourceLocation)
          break
        }
      }
    }
  }

  /// The node run by the executor in float64 (float constants widened too).
  static func executorReference(graph: Graph, constants: [String: Tensor], opset: Int) throws -> DoubleReference.Op {
    var wide = graph
    wide.inputs = graph.inputs.map { ValueInfo(name: $0.name, elementType: .float64, shape: $0.shape) }
    for (name, tensor) in constants where tensor.dtype == .float32 {
      wide.initializers[name] = try tensor.cast(to: .float64)
    }
    let executor = try Executor(graph: wide, opset: opset)
    let node = graph.nodes[0]
    let inputNames = Set(graph.inputs.map(\.name))
    return { arguments in
      var feeds: [String: Tensor] = [:]
      for (k, name) in node.inputs.enumerated() where inputNames.contains(name) { feeds[name] = arguments[k]!.float64 }
      let outputs = try executor.run(feeds)
      return node.presentOutputs.map { DTensor(outputs[$0]!) }
    }
  }

  /// Random values in `range`, rounded to float32, at least `margin` away from every point in `avoid` (kinks).
  static func random(
    _ shape: [Int], in range: ClosedRange<Double> = -2...2, avoid: [Double] = [], margin: Double = 0.02,
    using rng: inout SeededGenerator
  ) -> DTensor {
    let values = (0..<shape.reduce(1, *)).map { _ -> Double in
      while true {
        let v = Double(Float(Double.random(in: range, using: &rng)))
        if avoid.allSatisfy({ abs(v - $0) > margin }) { return v }
      }
    }
    return DTensor(shape: shape, values: values)
  }

  /// Distinct values (a shuffled grid with spacing 0.05), so MaxPool windows have clear winners.
  static func distinct(_ shape: [Int], using rng: inout SeededGenerator) -> DTensor {
    let count = shape.reduce(1, *)
    let values = (0..<count).map { Double(Float(Double($0 - count / 2) * 0.05)) }.shuffled(using: &rng)
    return DTensor(shape: shape, values: values)
  }
}
