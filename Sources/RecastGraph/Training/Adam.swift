import Foundation
public import RecastTensor

/// Adam, as PyTorch's `torch.optim.Adam` defines it (no amsgrad), with L2 weight decay added to the gradient:
///
/// `g ← g + λ·p`; `m ← β₁·m + (1 − β₁)·g`; `v ← β₂·v + (1 − β₂)·g²`; `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`;
/// `p ← p − lr · m̂ / (√v̂ + ε)`, with `t` the parameter's step count (from 1). Moments start at zero.
public struct Adam: Optimizer {
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var epsilon: Float
  public var weightDecay: Float
  /// With `true`, weight decay is decoupled (`AdamW`): `p ← p − lr·λ·p` before the Adam update, and the gradient
  /// is not changed.
  public var decoupledWeightDecay: Bool
  /// First and second moments and step counts by parameter name.
  public private(set) var moments: [String: (m: [Float], v: [Float], t: Int)] = [:]

  public init(
    learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
    weightDecay: Float = 0,
    decoupledWeightDecay: Bool = false
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.decoupledWeightDecay = decoupledWeightDecay
  }

  public mutating func step(_ parameters: inout [String: Tensor], gradients: [String: Tensor])
    throws(TensorError)
  {
    let name = decoupledWeightDecay ? "adamw" : "adam"
    for key in parameters.keys.sorted() {
      guard let gradient = gradients[key], let parameter = parameters[key] else { continue }
      var (p, g) = try Self.operands(key, parameter, gradient, optimizer: name)
      // Taken out of the dictionary so updating it does not copy both moment arrays.
      var state =
        moments.removeValue(forKey: key) ?? (
          [Float](repeating: 0, count: p.count), [Float](repeating: 0, count: p.count), 0
        )
      state.t += 1
      if weightDecay != 0 {
        if decoupledWeightDecay {
          let factor = 1 - learningRate * weightDecay
          for i in p.indices { p[i] *= factor }
        } else {
          for i in g.indices { g[i] += weightDecay * p[i] }
        }
      }
      // The bias corrections in double, as PyTorch computes them, rounded once: `1 − β₂ᵗ` from a float32 `β₂ᵗ`
      // would lose its leading digits (a relative error of 3e-6 in `√(1 − β₂ᵗ)` at t = 2).
      let correction1 = 1 - Foundation.pow(Double(beta1), Double(state.t))
      let correction2 = 1 - Foundation.pow(Double(beta2), Double(state.t))
      let stepSize = Float(Double(learningRate) / correction1)
      let root2 = Float(correction2.squareRoot())
      for i in p.indices {
        state.m[i] = beta1 * state.m[i] + (1 - beta1) * g[i]
        state.v[i] = beta2 * state.v[i] + (1 - beta2) * g[i] * g[i]
        p[i] -= stepSize * state.m[i] / (state.v[i].squareRoot() / root2 + epsilon)
      }
      moments[key] = state
      parameters[key] = Tensor(shape: parameter.shape, floats: p)
    }
  }
}

/// AdamW (`torch.optim.AdamW`): Adam with decoupled weight decay, default `λ = 0.01`.
public struct AdamW: Optimizer {
  public private(set) var adam: Adam

  public init(
    learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
    weightDecay: Float = 0.01
  ) {
    adam = Adam(
      learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
      weightDecay: weightDecay,
      decoupledWeightDecay: true)
  }

  public var learningRate: Float {
    get { adam.learningRate }
    set { adam.learningRate = newValue }
  }

  public mutating func step(_ parameters: inout [String: Tensor], gradients: [String: Tensor])
    throws(TensorError)
  {
    try adam.step(&parameters, gradients: gradients)
  }
}
