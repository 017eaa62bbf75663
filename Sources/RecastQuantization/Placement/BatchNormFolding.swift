public import RecastGraph
import RecastTensor

/// Folds an inference-form BatchNormalization into the Conv before it, as graph mode does before weight
/// quantization.
///
/// With `s[o] = γ[o] / √(var[o] + ε)` per output channel `o`: `w'[o, …] = w[o, …] · s[o]` and
/// `b'[o] = (b[o] − mean[o]) · s[o] + β[o]` (`b = 0` when the Conv has no bias). Arithmetic is in Double, rounded
/// once to Float. The Conv then writes the BatchNormalization's output value (so readers are unchanged), reads
/// fresh initializers `<weight>.folded` and `<bias>.folded` (`<prefix>.bias.folded` for a bias-less Conv or a bias
/// computed by nodes), and the BatchNormalization node and initializers nothing else reads are removed. A bias
/// computed from constants only (the torch.export exporter's zero bias) is evaluated (`ConstantSubgraph`) and the
/// nodes that computed it are removed.
public enum BatchNormFolding {
  /// The result of folding one pair.
  public struct Folded: Sendable, Hashable {
    /// The Conv node's name.
    public var conv: String
    /// The removed BatchNormalization node's name.
    public var batchNorm: String
    /// The initializer holding the folded weight.
    public var weight: String
    /// The initializer holding the folded bias.
    public var bias: String
    /// The Conv output value before folding (no longer in the graph); the Conv now writes `output`.
    public var originalOutput: String
    public var output: String
  }

  /// The weight and bias of a Conv with BatchNormalization folded in: `s = γ / √(σ² + ε)` per output channel,
  /// `W' = W·s` along the first axis, `b' = (b − μ)·s + β`, in Double, rounded once to Float. A parameter array
  /// of one element applies to every channel.
  static func folded(
    weight: Tensor, bias: [Double], gamma: [Double], beta: [Double], mean: [Double], variance: [Double],
    epsilon: Double
  ) -> (weight: Tensor, bias: Tensor) {
    let channels = weight.shape[0]
    func channel(_ values: [Double], _ o: Int) -> Double { values.count == 1 ? values[0] : values[o] }
    let scale = (0..<channels).map { channel(gamma, $0) / (channel(variance, $0) + epsilon).squareRoot() }
    var values = weight.scalars(as: Float.self)
    let perChannel = channels == 0 ? 0 : values.count / channels
    for o in 0..<channels {
      for i in (o * perChannel)..<((o + 1) * perChannel) { values[i] = Float(Double(values[i]) * scale[o]) }
    }
    let foldedBias = (0..<channels).map { Float((bias[$0] - channel(mean, $0)) * scale[$0] + channel(beta, $0)) }
    return (Tensor(shape: weight.shape, floats: values), Tensor(shape: [channels], floats: foldedBias))
  }

  /// Folds BatchNormalization node `bnIndex` into Conv node `convIndex` in `graph`.
  /// - Throws: when the pair is not a float32 Conv with a constant weight followed by a foldable BatchNormalization.
  public static func fold(
    convIndex: Int, bnIndex: Int, in graph: inout Graph, opset: Int = 17
  ) throws(QuantizationError) -> Folded {
    let conv = graph.nodes[convIndex]
    let bn = graph.nodes[bnIndex]
    guard conv.opType == "Conv", bn.opType == "BatchNormalization", bn.input(0) == conv.outputs.first,
      let output = bn.outputs.first, bn.presentOutputs.count == 1
    else { throw QuantizationError("\(bn.label) does not directly follow \(conv.label) in inference form") }
    guard let weightName = conv.input(1), let weight = graph.constantValue(of: weightName), weight.dtype == .float32
    else { throw QuantizationError("\(conv.label) has no constant float32 weight to fold \(bn.label) into") }
    var parameters: [[Double]] = []
    for slot in 1...4 {
      guard let name = bn.input(slot), let tensor = graph.constantValue(of: name), tensor.dtype == .float32 else {
        throw QuantizationError("\(bn.label) input \(slot) is not a constant float32 tensor")
      }
      parameters.append(tensor.scalars(as: Float.self).map(Double.init))
    }
    let channels = weight.shape.first ?? 0
    guard parameters.allSatisfy({ $0.count == channels || $0.count == 1 }) else {
      throw QuantizationError("\(bn.label) parameters do not have \(channels) channels like \(conv.label)'s weight")
    }
    let epsilon = Double(bn.float("epsilon", default: 1e-5))
    var bias = [Double](repeating: 0, count: channels)
    let biasName = conv.input(2)
    var biasNodes: Set<String> = []
    if let biasName {
      if graph.constantValue(of: biasName) == nil {
        biasNodes = Set((ConstantSubgraph.ancestors(of: biasName, in: graph)?.nodes ?? []).map { graph.nodes[$0].name })
      }
      guard let tensor = ConstantSubgraph.evaluate(biasName, in: graph, opset: opset), tensor.dtype == .float32,
        tensor.shape == [channels]
      else {
        throw QuantizationError("\(conv.label) bias is not a constant float32 [\(channels)] tensor")
      }
      bias = tensor.scalars(as: Float.self).map(Double.init)
    }
    let (foldedWeight, foldedBias) = Self.folded(
      weight: weight, bias: bias, gamma: parameters[0], beta: parameters[1], mean: parameters[2],
      variance: parameters[3], epsilon: epsilon)

    let newWeight = graph.uniqueName("\(weightName).folded")
    let derived = weightName.hasSuffix(".weight") ? String(weightName.dropLast(7)) + ".bias" : weightName + ".bias"
    let biasBase = biasName.flatMap { graph.initializers[$0] == nil ? nil : $0 } ?? derived
    let newBias = graph.uniqueName("\(biasBase).folded", reserved: [newWeight])
    graph.initializers[newWeight] = foldedWeight
    graph.initializers[newBias] = foldedBias

    let originalOutput = conv.outputs[0]
    var inputs = conv.inputs
    while inputs.count < 3 { inputs.append("") }
    inputs[1] = newWeight
    inputs[2] = newBias
    graph.nodes[convIndex].inputs = inputs
    graph.nodes[convIndex].outputs[0] = output
    let replaced = [weightName] + (biasName.map { [$0] } ?? []) + bn.inputs.dropFirst()
    graph.removeNodes(at: [bnIndex])
    let stillRead = Set(graph.nodes.flatMap(\.inputs)).union(graph.outputs.map(\.name))
    for name in replaced where !stillRead.contains(name) {
      graph.initializers.removeValue(forKey: name)
      graph.inputs.removeAll { $0.name == name }
    }
    ConstantSubgraph.removeDead(biasNodes, from: &graph)
    return Folded(
      conv: conv.name, batchNorm: bn.name, weight: newWeight, bias: newBias, originalOutput: originalOutput,
      output: output)
  }
}
