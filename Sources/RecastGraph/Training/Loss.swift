public import RecastTensor

/// Training losses: the value (accumulated in Double) and its gradient with respect to the prediction, ready to
/// seed `GradientTape.backward`.
public enum Loss {
  /// Mean cross-entropy of `logits [N, C]` against class `labels` (N integers in `0..<C`), with optional label
  /// smoothing `ε` as PyTorch's `cross_entropy(label_smoothing: ε)` defines it: the target of row `n` is
  /// `qₙ = (1 − ε)·onehot(labelₙ) + ε/C`, `L = −(1/N) Σₙ Σ_c qₙ[c] log softmax(logitsₙ)[c]`,
  /// `dL/dlogits = (softmax(logits) − q) / N`.
  public static func crossEntropy(
    logits: Tensor, labels: [Int], labelSmoothing: Float = 0
  ) throws(TensorError) -> (loss: Double, gradient: Tensor) {
    guard logits.dtype == .float32, logits.rank == 2 else {
      throw TensorError("cross_entropy: logits must be float32 [N, C]; found \(logits.dtype) \(logits.shape)")
    }
    let (n, c) = (logits.shape[0], logits.shape[1])
    guard labels.count == n else {
      throw TensorError("cross_entropy: \(labels.count) labels for a batch of \(n)")
    }
    if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= c }) {
      throw TensorError("cross_entropy: label \(labels[bad]) at index \(bad) is outside 0..<\(c)")
    }
    guard labelSmoothing >= 0, labelSmoothing <= 1 else {
      throw TensorError("cross_entropy: label smoothing must be in [0, 1]; found \(labelSmoothing)")
    }
    let probabilities = try logits.softmax(axis: 1)
    let logProbabilities = try logits.softmax(axis: 1, log: true)
    var gradient = probabilities
    var loss = 0.0
    let epsilon = Double(labelSmoothing)
    logProbabilities.withUnsafeBufferPointer(as: Float.self) { lp in
      gradient.withUnsafeMutableBufferPointer(as: Float.self) { g in
        let scale = 1 / Float(Swift.max(n, 1))
        let uniform = Float(epsilon / Double(c))
        for row in 0..<n {
          if epsilon == 0 {
            loss -= Double(lp[row * c + labels[row]])
            g[row * c + labels[row]] -= 1
            continue
          }
          var sum = 0.0
          for k in 0..<c { sum += Double(lp[row * c + k]) }
          loss -= (1 - epsilon) * Double(lp[row * c + labels[row]]) + epsilon / Double(c) * sum
          for k in 0..<c { g[row * c + k] -= uniform }
          g[row * c + labels[row]] -= Float(1 - epsilon)
        }
        for i in 0..<g.count { g[i] *= scale }
      }
    }
    return (loss / Double(Swift.max(n, 1)), gradient)
  }

  /// Mean squared error over every element: `L = (1/n) Σ (p − t)²`, `dL/dp = 2(p − t)/n`.
  public static func meanSquaredError(
    prediction: Tensor, target: Tensor
  ) throws(TensorError) -> (loss: Double, gradient: Tensor) {
    guard prediction.dtype == .float32, target.dtype == .float32, prediction.shape == target.shape else {
      throw TensorError(
        "mse: prediction \(prediction.dtype) \(prediction.shape) and target \(target.dtype) "
          + "\(target.shape) must be float32 of one shape")
    }
    let difference = try Tensor.binary(.sub, prediction, target)
    let n = Swift.max(prediction.count, 1)
    var loss = 0.0
    difference.withUnsafeBufferPointer(as: Float.self) { d in
      for v in d { loss += Double(v) * Double(v) }
    }
    return (loss / Double(n), try Tensor.binary(.mul, difference, Tensor(shape: [], floats: [2 / Float(n)])))
  }
}
