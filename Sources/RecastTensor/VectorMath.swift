/// Eight-lane float approximations of `exp` and `erf` for the hot kernels (Softmax, Sigmoid, Gelu, Erf).
/// `exp` is Cephes' `expf` polynomial (about 1 ulp on [−87, 88]; below that the result is at most 1e−38
/// instead of the subnormal or zero); `erf` is the Taylor series below 0.5 and Numerical Recipes' `erfc`
/// Chebyshev fit above (absolute error below 2e−7).
enum VectorMath {
  typealias V = SIMD8<Float>

  @inline(__always)
  static func exp(_ input: V) -> V {
    let x = input.clamped(lowerBound: V(repeating: -87.3), upperBound: V(repeating: 88.37))
    let fx = (x * 1.44269504088896341).rounded(.toNearestOrEven)
    var r = x - fx * 0.693359375
    r = r + fx * 2.12194440e-4
    let r2 = r * r
    var p = V(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * r2 + r + 1
    let bits = (SIMD8<Int32>(truncatingIfNeeded: SIMD8<Int32>(fx)) &+ 127) &<< 23
    return y * unsafeBitCast(bits, to: V.self)
  }

  @inline(__always)
  static func erf(_ x: V) -> V {
    let z = x.replacing(with: -x, where: x .< 0)
    // Small |x|: odd Taylor series to x¹⁵ (remainder below 1e−9 at 0.5).
    let z2 = z * z
    var s = V(repeating: -1.0 / 75600)
    s = s * z2 + 1.0 / 9360
    s = s * z2 - 1.0 / 1320
    s = s * z2 + 1.0 / 216
    s = s * z2 - 1.0 / 42
    s = s * z2 + 1.0 / 10
    s = s * z2 - 1.0 / 3
    s = s * z2 + 1
    let small = s * z * 1.1283791670955126
    // Larger |x|: 1 − erfc(z), erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2).
    let t = 1 / (1 + 0.5 * z)
    var p = V(repeating: 0.17087277)
    p = p * t - 0.82215223
    p = p * t + 1.48851587
    p = p * t - 1.13520398
    p = p * t + 0.27886807
    p = p * t - 0.18628806
    p = p * t + 0.09678418
    p = p * t + 0.37409196
    p = p * t + 1.00002368
    p = p * t - 1.26551223
    let large = 1 - t * exp(p - z2)
    let magnitude = small.replacing(with: large, where: z .>= 0.5)
    return magnitude.replacing(with: -magnitude, where: x .< 0)
  }

  /// Applies an eight-lane function to `n` floats (the tail padded through a lane buffer).
  @inline(__always)
  static func apply(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V) -> V
  ) {
    var i = 0
    while i + 8 <= n {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
      UnsafeMutableRawPointer(y + i).storeBytes(of: f(v), as: V.self)
      i += 8
    }
    if i < n {
      var v = V(repeating: 0)
      for k in 0..<(n - i) { v[k] = x[i + k] }
      let r = f(v)
      for k in 0..<(n - i) { y[i + k] = r[k] }
    }
  }
}
