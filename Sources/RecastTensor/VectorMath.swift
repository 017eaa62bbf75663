/// Branch-free float approximations of `exp` and `erf` for the hot kernels (Softmax, Sigmoid, Gelu, Erf),
/// written so loops over them auto-vectorise. `exp` is Cephes' `expf` polynomial (about 1 ulp on
/// [−87, 88]; below that it returns at most 1e−38 instead of a subnormal or zero); `erf` is the Taylor
/// series below 0.5 and Numerical Recipes' `erfc` Chebyshev fit above (absolute error below 2e−7).
enum VectorMath {
  @inline(__always)
  static func exp(_ input: Float) -> Float {
    var x = input < -87.3 ? -87.3 : input
    x = x > 88.37 ? 88.37 : x
    // Round x·log2(e) to an integer n with the 1.5·2²³ trick; n sits in the low mantissa bits.
    let shifted = x * 1.44269504088896341 + 12_582_912
    let n = shifted - 12_582_912
    var r = x - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * (r * r) + r + 1
    let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    return y * scale
  }

  @inline(__always)
  static func erf(_ x: Float) -> Float {
    let z = Swift.abs(x)
    let z2 = z * z
    // Small |x|: odd Taylor series to x¹⁵ (remainder below 1e−9 at 0.5).
    var s: Float = -1.0 / 75600
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
    var p: Float = 0.17087277
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
    let magnitude = z < 0.5 ? small : large
    return Float(bitPattern: magnitude.bitPattern | (x.bitPattern & 0x8000_0000))
  }
}
