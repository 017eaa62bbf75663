#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// ONNX elementwise unary operators, with their attributes.
public enum UnaryOperator: Sendable, Equatable {
  case relu
  /// `x < 0 ? alpha·x : x` (ONNX default alpha 0.01).
  case leakyRelu(alpha: Float)
  /// `min(max(x, min), max)`; pass `-.infinity` / `.infinity` for an absent bound.
  case clip(min: Float, max: Float)
  case sigmoid
  case tanh
  /// `max(0, min(1, alpha·x + beta))` (ONNX defaults 0.2, 0.5).
  case hardSigmoid(alpha: Float, beta: Float)
  /// `x · max(0, min(1, x/6 + 1/2))`.
  case hardSwish
  case erf
  /// `0.5·x·(1 + erf(x/√2))`, or with `approximateTanh` `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
  case gelu(approximateTanh: Bool)
  case sqrt
  case reciprocal
  case neg
  case exp
  case log
  case abs
  case floor
  case ceil
  /// Round half to even (ONNX `Round`).
  case round
  case sign
  /// `log(1 + exp(x))`.
  case softplus
  /// `x < 0 ? alpha·(exp(x) − 1) : x` (ONNX default alpha 1).
  case elu(alpha: Float)
  case sin
  case cos
  case identity
}

extension Tensor {
  /// Applies `op` elementwise to a float32 tensor; `neg`, `abs`, `sign`, `relu`, `identity` also accept
  /// int64 and int32, and `clip` accepts them with bounds rounded toward zero.
  public func map(_ op: UnaryOperator) throws(TensorError) -> Tensor {
    switch dtype {
    case .float32:
      var out = Tensor(uninitialized: .float32, shape: shape)
      withUnsafeBufferPointer(as: Float.self) { src in
        out.withUnsafeMutableBufferPointer(as: Float.self) { dst in
          guard let s = src.baseAddress, let d = dst.baseAddress else { return }
          parallelFor(src.count, grain: Parallelism.elementwiseGrain / 4) { range in
            Tensor.unaryFloat(op, s + range.lowerBound, d + range.lowerBound, range.count)
          }
        }
      }
      return out
    case .int64: return try integerMap(op, Int64.self)
    case .int32: return try integerMap(op, Int32.self)
    default: throw TensorError("\(op): unsupported type \(dtype)")
    }
  }

  private func integerMap<T: FixedWidthInteger & SignedInteger & BitwiseCopyable>(
    _ op: UnaryOperator, _: T.Type
  ) throws(TensorError) -> Tensor {
    var out = Tensor(uninitialized: dtype, shape: shape)
    var low = T.min
    var high = T.max
    if case .clip(let lo, let hi) = op {
      if lo.isFinite { low = T(lo.rounded(.towardZero)) }
      if hi.isFinite { high = T(hi.rounded(.towardZero)) }
    }
    let kind: Int
    switch op {
    case .neg: kind = 0
    case .abs: kind = 1
    case .sign: kind = 2
    case .relu: kind = 3
    case .identity: kind = 4
    case .clip: kind = 5
    default: throw TensorError("\(op): unsupported type \(dtype)")
    }
    withUnsafeBufferPointer(as: T.self) { src in
      out.withUnsafeMutableBufferPointer(as: T.self) { dst in
        for i in 0..<src.count {
          let x = src[i]
          switch kind {
          case 0: dst[i] = 0 &- x
          case 1: dst[i] = x < 0 ? 0 &- x : x
          case 2: dst[i] = x > 0 ? 1 : (x < 0 ? -1 : 0)
          case 3: dst[i] = Swift.max(x, 0)
          case 4: dst[i] = x
          default: dst[i] = Swift.min(Swift.max(x, low), high)
          }
        }
      }
    }
    return out
  }

  /// The float32 loops, one per operator, so each vectorises or calls libm directly.
  static func unaryFloat(_ op: UnaryOperator, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    switch op {
    case .relu: for i in 0..<n { y[i] = Swift.max(x[i], 0) }
    case .leakyRelu(let alpha): for i in 0..<n { y[i] = x[i] < 0 ? alpha * x[i] : x[i] }
    case .clip(let low, let high): for i in 0..<n { y[i] = Swift.min(Swift.max(x[i], low), high) }
    case .sigmoid: for i in 0..<n { y[i] = 1 / (1 + VectorMath.exp(-x[i])) }
    case .tanh: for i in 0..<n { y[i] = tanhf(x[i]) }
    case .hardSigmoid(let alpha, let beta): for i in 0..<n { y[i] = Swift.min(Swift.max(alpha * x[i] + beta, 0), 1) }
    case .hardSwish: for i in 0..<n { y[i] = x[i] * Swift.min(Swift.max(x[i] / 6 + 0.5, 0), 1) }
    case .erf: for i in 0..<n { y[i] = VectorMath.erf(x[i]) }
    case .gelu(let approximate):
      if approximate {
        // 0.5·(1 + tanh(u)) = 1 / (1 + exp(−2u)).
        for i in 0..<n {
          let v = x[i]
          let u = 0.7978845608028654 * (v + 0.044715 * v * v * v)
          y[i] = v / (1 + VectorMath.exp(-2 * u))
        }
      } else {
        for i in 0..<n { y[i] = 0.5 * x[i] * (1 + VectorMath.erf(x[i] * 0.7071067811865476)) }
      }
    case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
    case .reciprocal: for i in 0..<n { y[i] = 1 / x[i] }
    case .neg: for i in 0..<n { y[i] = -x[i] }
    case .exp: for i in 0..<n { y[i] = expf(x[i]) }
    case .log: for i in 0..<n { y[i] = logf(x[i]) }
    case .abs: for i in 0..<n { y[i] = Swift.abs(x[i]) }
    case .floor: for i in 0..<n { y[i] = x[i].rounded(.down) }
    case .ceil: for i in 0..<n { y[i] = x[i].rounded(.up) }
    case .round: for i in 0..<n { y[i] = x[i].rounded(.toNearestOrEven) }
    case .sign: for i in 0..<n { y[i] = x[i] > 0 ? 1 : (x[i] < 0 ? -1 : (x[i].isNaN ? .nan : 0)) }
    case .softplus:
      for i in 0..<n {
        let v = x[i]
        y[i] = v > 0 ? v + log1pf(expf(-v)) : log1pf(expf(v))
      }
    case .elu(let alpha): for i in 0..<n { y[i] = x[i] < 0 ? alpha * (expf(x[i]) - 1) : x[i] }
    case .sin: for i in 0..<n { y[i] = sinf(x[i]) }
    case .cos: for i in 0..<n { y[i] = cosf(x[i]) }
    case .identity: y.update(from: x, count: n)
    }
  }
}
