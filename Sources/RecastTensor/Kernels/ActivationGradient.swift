#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension UnaryOperator {
  /// Whether `Tensor.unaryGradient` reads the op's output rather than its input (sigmoid, tanh, sqrt, exp and
  /// reciprocal have derivatives that are cheapest and exact in terms of `y`).
  public var gradientReadsOutput: Bool {
    switch self {
    case .sigmoid, .tanh, .sqrt, .exp, .reciprocal: true
    default: false
    }
  }
}

extension Tensor {
  /// `dL/dx = dL/dy · op′(x)` for `y = op(x)` on float32, elementwise.
  ///
  /// Pass the op's input `x`, or its output `y` when `op.gradientReadsOutput`. At kinks the one-sided
  /// derivative that matches the forward's branch is used: Relu′(0) = 0, LeakyRelu′(0) = 1, Clip passes the
  /// gradient on `[min, max]` inclusive (as PyTorch's clamp does), HardSigmoid and HardSwish use the open
  /// linear range. Piecewise-constant ops (Floor, Ceil, Round, Sign) have zero gradient.
  public static func unaryGradient(
    _ op: UnaryOperator, input x: Tensor?, output y: Tensor?, gradient dy: Tensor
  ) throws(TensorError) -> Tensor {
    guard let source = op.gradientReadsOutput ? y : x else {
      throw TensorError("\(op) gradient: the op's \(op.gradientReadsOutput ? "output" : "input") is needed")
    }
    guard source.dtype == .float32, dy.dtype == .float32 else {
      throw TensorError("\(op) gradient: operands must be float32")
    }
    guard source.shape == dy.shape else {
      throw TensorError("\(op) gradient: value \(source.shape) and gradient \(dy.shape) differ in shape")
    }
    var out = Tensor(uninitialized: .float32, shape: dy.shape)
    source.withUnsafeBufferPointer(as: Float.self) { ps in
      dy.withUnsafeBufferPointer(as: Float.self) { pg in
        out.withUnsafeMutableBufferPointer(as: Float.self) { po in
          guard let s = ps.baseAddress, let g = pg.baseAddress, let o = po.baseAddress else { return }
          parallelFor(ps.count, grain: Parallelism.elementwiseGrain / 4) { range in
            let start = range.lowerBound
            Tensor.unaryGradientLoop(op, s + start, g + start, o + start, range.count)
          }
        }
      }
    }
    return out
  }

  /// One loop per operator: `o[i] = g[i] · op′` with `s` the input (or output, see `gradientReadsOutput`).
  static func unaryGradientLoop(
    _ op: UnaryOperator, _ s: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>,
    _ n: Int
  ) {
    switch op {
    case .relu:
      // Eight lanes at a time without branches (the sign of an activation is a coin flip for the predictor).
      var i = 0
      while i + 8 <= n {
        let v = UnsafeRawPointer(s + i).loadUnaligned(as: SIMD8<Float>.self)
        let d = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(o + i).storeBytes(of: d.replacing(with: 0, where: .!(v .> 0)), as: SIMD8<Float>.self)
        i += 8
      }
      while i < n {
        o[i] = s[i] > 0 ? g[i] : 0
        i += 1
      }
    case .leakyRelu(let alpha): for i in 0..<n { o[i] = s[i] < 0 ? alpha * g[i] : g[i] }
    case .clip(let low, let high): for i in 0..<n { o[i] = s[i] >= low && s[i] <= high ? g[i] : 0 }
    case .sigmoid: for i in 0..<n { o[i] = g[i] * s[i] * (1 - s[i]) }
    case .tanh: for i in 0..<n { o[i] = g[i] * (1 - s[i] * s[i]) }
    case .hardSigmoid(let alpha, let beta):
      for i in 0..<n {
        let v = alpha * s[i] + beta
        o[i] = v > 0 && v < 1 ? alpha * g[i] : 0
      }
    case .hardSwish:
      for i in 0..<n {
        let v = s[i]
        o[i] = v <= -3 ? 0 : (v >= 3 ? g[i] : g[i] * (v / 3 + 0.5))
      }
    case .erf:
      for i in 0..<n { o[i] = g[i] * 1.1283791670955126 * expf(-s[i] * s[i]) }
    case .gelu(let approximate):
      if approximate {
        for i in 0..<n {
          let v = s[i]
          let c: Float = 0.7978845608028654
          let t = tanhf(c * (v + 0.044715 * v * v * v))
          o[i] = g[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v))
        }
      } else {
        for i in 0..<n {
          let v = s[i]
          let cdf = 0.5 * (1 + VectorMath.erf(v * 0.7071067811865476))
          o[i] = g[i] * (cdf + v * 0.3989422804014327 * expf(-0.5 * v * v))
        }
      }
    case .sqrt: for i in 0..<n { o[i] = g[i] * 0.5 / s[i] }
    case .reciprocal: for i in 0..<n { o[i] = -g[i] * s[i] * s[i] }
    case .neg: for i in 0..<n { o[i] = -g[i] }
    case .exp: for i in 0..<n { o[i] = g[i] * s[i] }
    case .log: for i in 0..<n { o[i] = g[i] / s[i] }
    case .abs: for i in 0..<n { o[i] = s[i] > 0 ? g[i] : (s[i] < 0 ? -g[i] : 0) }
    case .floor, .ceil, .round, .sign: for i in 0..<n { o[i] = 0 }
    case .softplus: for i in 0..<n { o[i] = g[i] / (1 + expf(-s[i])) }
    case .elu(let alpha): for i in 0..<n { o[i] = s[i] < 0 ? g[i] * alpha * expf(s[i]) : g[i] }
    case .sin: for i in 0..<n { o[i] = g[i] * cosf(s[i]) }
    case .cos: for i in 0..<n { o[i] = -g[i] * sinf(s[i]) }
    case .identity: o.update(from: g, count: n)
    }
  }
}
