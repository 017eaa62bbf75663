/// How many scales a tensor gets and which elements share one.
public enum Granularity: Sendable, Hashable {
  /// One scale (and zero point) for the whole tensor; scale shape `[]`.
  case perTensor
  /// One scale per index along `axis`; scale shape `[shape[axis]]`. `nil` axis: resolved by op type later.
  case perChannel(axis: Int?)
  /// One scale per `blockSize` consecutive elements along `axis` (every other index independent);
  /// scale shape = tensor shape with `shape[axis] / blockSize` at `axis`. `nil` axis: resolved by op type later.
  case perBlock(axis: Int?, blockSize: Int)

  /// The recipe spelling of the granularity type: `per_tensor`, `per_channel`, `per_block`.
  public var typeName: String {
    switch self {
    case .perTensor: "per_tensor"
    case .perChannel: "per_channel"
    case .perBlock: "per_block"
    }
  }

  /// The explicit axis, if any.
  public var axis: Int? {
    switch self {
    case .perTensor: nil
    case .perChannel(let axis): axis
    case .perBlock(let axis, _): axis
    }
  }

  /// The block size for `perBlock`, otherwise `nil`.
  public var blockSize: Int? {
    if case .perBlock(_, let size) = self { return size }
    return nil
  }

  /// The same granularity with `axis` filled in when it was `nil`.
  public func resolvingAxis(_ defaultAxis: Int) -> Granularity {
    switch self {
    case .perTensor: .perTensor
    case .perChannel(let axis): .perChannel(axis: axis ?? defaultAxis)
    case .perBlock(let axis, let size): .perBlock(axis: axis ?? defaultAxis, blockSize: size)
    }
  }
}
