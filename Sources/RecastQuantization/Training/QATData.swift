public import RecastTensor

/// One training batch: model inputs by name and, for losses that need them, labels (int64 class indices `[N]`
/// for cross-entropy, a float32 target of the output's shape for mean squared error).
public struct QATBatch: Sendable {
  public var inputs: [String: Tensor]
  public var labels: Tensor?

  public init(inputs: [String: Tensor], labels: Tensor? = nil) {
    self.inputs = inputs
    self.labels = labels
  }
}

/// Where `QATTrainer` gets its batches: a fixed number per epoch, in an order that may depend on the epoch
/// (seeded shuffling) but must be the same for the same epoch.
public protocol QATDataSource {
  var batchesPerEpoch: Int { get }
  func batches(epoch: Int) throws -> [QATBatch]
}

/// Arrays indexed by sample along axis 0, cut into batches of `batchSize` (the last may be smaller), optionally
/// shuffled per epoch in PyTorch's order: epoch `e` is the `e + 1`-th
/// `torch.randperm(count, generator=torch.Generator().manual_seed(seed))` (see `MersenneTwister.epochOrder`), the
/// same order as the recipe `Dataset`. `firstEpoch` shifts the sequence: batches of epoch `e` are those of shuffle
/// `firstEpoch + e` (a later training stage continuing where an earlier one stopped).
public struct TensorDataSource: QATDataSource, Sendable {
  public var inputs: [String: Tensor]
  public var labels: Tensor?
  public var batchSize: Int
  public var shuffle: Bool
  public var seed: UInt64
  /// The shuffle epoch 0 uses (see the type's description).
  public var firstEpoch: Int
  public let count: Int

  /// - Throws: when the arrays disagree on the number of samples or there are none.
  public init(
    inputs: [String: Tensor], labels: Tensor? = nil, batchSize: Int, shuffle: Bool = false,
    seed: UInt64 = 0, firstEpoch: Int = 0
  ) throws(TensorError) {
    let counts = Set(inputs.values.map { $0.shape.first ?? 0 })
    guard counts.count == 1, let count = counts.first, count > 0 else {
      throw TensorError(
        "training data: inputs must be non-empty and agree on the number of samples; found \(counts.sorted())"
      )
    }
    if let labels, labels.shape.first != count {
      throw TensorError("training data: \(labels.shape.first ?? 0) labels for \(count) samples")
    }
    guard batchSize > 0 else {
      throw TensorError("training data: batch size must be positive; found \(batchSize)")
    }
    self.inputs = inputs
    self.labels = labels
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.seed = seed
    self.firstEpoch = Swift.max(0, firstEpoch)
    self.count = count
  }

  public var batchesPerEpoch: Int { (count + batchSize - 1) / batchSize }

  public func batches(epoch: Int) throws -> [QATBatch] {
    let order =
      shuffle ? MersenneTwister.epochOrder(count: count, seed: seed, epoch: firstEpoch + epoch) : Array(0..<count)
    var result: [QATBatch] = []
    for start in stride(from: 0, to: count, by: batchSize) {
      let indices = Array(order[start..<Swift.min(start + batchSize, count)])
      func take(_ tensor: Tensor) throws -> Tensor {
        if !shuffle {
          return try tensor.sliced(
            starts: [indices[0]], ends: [indices[0] + indices.count], axes: [0])
        }
        return try tensor.gathered(
          Tensor(shape: [indices.count], scalars: indices.map(Int64.init), dtype: .int64))
      }
      var batch = QATBatch(inputs: [:], labels: try labels.map(take))
      for (name, tensor) in inputs { batch.inputs[name] = try take(tensor) }
      result.append(batch)
    }
    return result
  }
}
