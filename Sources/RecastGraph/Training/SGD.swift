public import RecastTensor

/// Stochastic gradient descent with momentum, Nesterov momentum and weight decay, as PyTorch's `torch.optim.SGD`
/// defines them (dampening 0):
///
/// `g ← g + λ·p`; `b ← μ·b + g` (b = g on the first step); `d = nesterov ? g + μ·b : b`; `p ← p − lr·d`.
public struct SGD: Sendable {
  public var learningRate: Float
  public var momentum: Float
  public var nesterov: Bool
  public var weightDecay: Float
  /// Momentum buffers by parameter name.
  public private(set) var buffers: [String: Tensor] = [:]

  public init(learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay
  }

  /// Updates every parameter that has a gradient; the others are left as they are.
  public mutating func step(
    _ parameters: inout [String: Tensor], gradients: [String: Tensor]
  ) throws(TensorError) {
    for name in parameters.keys.sorted() {
      guard let gradient = gradients[name], let parameter = parameters[name] else { continue }
      var (p, g) = try Self.operands(name, parameter, gradient, optimizer: "sgd")
      if weightDecay != 0 { for i in g.indices { g[i] += weightDecay * p[i] } }
      var direction = g
      if momentum != 0 {
        var b = g
        if let previous = buffers[name] {
          b = previous.scalars(as: Float.self)
          for i in b.indices { b[i] = momentum * b[i] + g[i] }
        }
        buffers[name] = Tensor(shape: parameter.shape, floats: b)
        direction = nesterov ? zip(g, b).map { $0 + momentum * $1 } : b
      }
      for i in p.indices { p[i] -= learningRate * direction[i] }
      parameters[name] = Tensor(shape: parameter.shape, floats: p)
    }
  }
}
