import Foundation
import RecastDiagnostics
import RecastGraph
public import RecastTensor
import RecastYAML

/// One data set of a recipe (`data.calibration`, `data.train`, `data.validation`): arrays loaded from
/// `.npy`/`.npz` files, checked against the model before any compute, sliced to `[start, start + samples)`.
///
/// Arrays are indexed by sample along their first axis. Inputs are keyed by model input name; labels by
/// model output name (a single `.npy` of labels belongs to the first output).
public struct Dataset: Sendable {
  public var name: String
  public var inputs: [String: Tensor]
  public var labels: [String: Tensor]
  /// Samples in the set (after `start`/`samples`).
  public var count: Int
  public var batchSize: Int
  public var shuffle: Bool
  public var seed: UInt64

  public init(
    name: String, inputs: [String: Tensor], labels: [String: Tensor] = [:], batchSize: Int = 32, shuffle: Bool = false,
    seed: UInt64 = 0
  ) {
    self.name = name
    self.inputs = inputs
    self.labels = labels
    self.count = inputs.values.first?.shape.first ?? 0
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.seed = seed
  }

  /// One batch: inputs by model input name, labels by output name, and the sample indices it holds.
  public struct Batch: Sendable {
    public var inputs: [String: Tensor]
    public var labels: [String: Tensor]
    public var indices: [Int]
  }

  /// The batches of one pass over the set, in order or — with `shuffle` — in an order fixed by `seed` and
  /// `epoch` (the same seed and epoch give the same batches). The last batch may be smaller.
  public func batches(epoch: Int = 0, batchSize: Int? = nil) throws(TensorError) -> [Batch] {
    let size = Swift.max(1, batchSize ?? self.batchSize)
    let order = shuffle ? MersenneTwister.epochOrder(count: count, seed: seed, epoch: epoch) : Array(0..<count)
    var result: [Batch] = []
    var start = 0
    while start < count {
      let indices = Array(order[start..<Swift.min(start + size, count)])
      result.append(
        Batch(inputs: try Self.take(indices, from: inputs, contiguous: !shuffle),
          labels: try Self.take(indices, from: labels, contiguous: !shuffle), indices: indices))
      start += size
    }
    return result
  }

  private static func take(
    _ indices: [Int], from arrays: [String: Tensor], contiguous: Bool
  ) throws(TensorError) -> [String: Tensor] {
    var out: [String: Tensor] = [:]
    for (name, tensor) in arrays {
      if contiguous, let first = indices.first, let last = indices.last {
        out[name] = try tensor.sliced(starts: [first], ends: [last + 1], axes: [0])
      } else {
        let index = Tensor(shape: [indices.count], scalars: indices.map(Int64.init), dtype: .int64)
        out[name] = try tensor.gathered(index, axis: 0)
      }
    }
    return out
  }
}
