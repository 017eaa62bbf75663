public import RecastTensor

/// Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_` (L2): with `n = √(Σ g²)` over every
/// gradient, all gradients are scaled by `maxNorm / (n + 1e-6)` when that factor is below 1.
public enum GradientClipping {
  /// The global L2 norm (accumulated in Double).
  public static func globalNorm(_ gradients: [String: Tensor]) -> Double {
    var total = 0.0
    for key in gradients.keys.sorted() {
      gradients[key]!.withUnsafeBufferPointer(as: Float.self) { g in
        for v in g { total += Double(v) * Double(v) }
      }
    }
    return total.squareRoot()
  }

  /// Clips `gradients` in place to global norm `maxNorm`; returns the norm before clipping.
  @discardableResult
  public static func clip(_ gradients: inout [String: Tensor], maxNorm: Double) -> Double {
    let norm = globalNorm(gradients)
    let factor = maxNorm / (norm + 1e-6)
    guard factor < 1, norm.isFinite else { return norm }
    for key in gradients.keys.sorted() {
      gradients[key]!.withUnsafeMutableBufferPointer(as: Float.self) { p in
        for i in p.indices { p[i] = Float(Double(p[i]) * factor) }
      }
    }
    return norm
  }
}
