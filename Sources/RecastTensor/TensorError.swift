/// A kernel's complaint about its operands: a shape that does not broadcast, an out-of-range axis, an
/// unsupported data type. The message names the operator and the offending values.
public struct TensorError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String

  public init(_ message: String) { self.message = message }

  public var description: String { message }
}

/// Shape arithmetic shared by the kernels.
public enum Shape {
  /// Row-major strides (in elements) of `shape`.
  public static func strides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[axis] = running
      running *= shape[axis]
    }
    return strides
  }

  /// ONNX multidirectional (numpy) broadcasting of two shapes.
  public static func broadcast(_ a: [Int], _ b: [Int]) throws(TensorError) -> [Int] {
    let rank = Swift.max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      if da == db || db == 1 {
        result[i] = da
      } else if da == 1 {
        result[i] = db
      } else {
        throw TensorError("shapes \(a) and \(b) do not broadcast")
      }
    }
    return result
  }

  /// Broadcasts any number of shapes (ONNX Where, Max, Min, Sum, Mean).
  public static func broadcast(_ shapes: [[Int]]) throws(TensorError) -> [Int] {
    var result: [Int] = []
    for shape in shapes { result = try broadcast(result, shape) }
    return result
  }

  /// Element strides for reading a tensor of `shape` as if broadcast to `target` (0 on broadcast axes).
  static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = strides(shape)
    let offset = target.count - shape.count
    var result = [Int](repeating: 0, count: target.count)
    for i in 0..<shape.count where shape[i] != 1 { result[offset + i] = own[i] }
    return result
  }

  /// Resolves a possibly negative `axis` against `rank` (ONNX accepts `[-rank, rank-1]`).
  public static func normalize(axis: Int, rank: Int, op: String = "axis") throws(TensorError) -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < rank else { throw TensorError("\(op): axis \(axis) out of range for rank \(rank)") }
    return resolved
  }

  /// Resolves and validates a list of axes (no duplicates).
  public static func normalize(axes: [Int], rank: Int, op: String = "axes") throws(TensorError) -> [Int] {
    var result: [Int] = []
    for axis in axes {
      let resolved = try normalize(axis: axis, rank: rank, op: op)
      guard !result.contains(resolved) else { throw TensorError("\(op): axis \(axis) repeated in \(axes)") }
      result.append(resolved)
    }
    return result
  }
}
