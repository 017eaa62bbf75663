/// How the quantization grid is placed over the real range.
public enum QScheme: String, Sendable, Hashable, CaseIterable {
  /// Zero point fixed: `z = 0` for signed dtypes, the midpoint (`2^(bits−1)`) for unsigned; scale from `max(|min|, |max|)`.
  case symmetric
  /// Zero point fitted so that `[min, max]` (widened to include 0) covers `[qmin, qmax]`.
  case asymmetric
}

/// How the offset is expressed in the integer formula.
public enum QFormulation: String, Sendable, Hashable, CaseIterable {
  /// `q = clamp(round_half_even(x / s) + z, qmin, qmax)`, `x̂ = (q − z)·s` with an integer zero point `z`.
  case zp
  /// `q = clamp(round_half_even((x − min) / s) + qmin, qmin, qmax)`, `x̂ = (q − qmin)·s + min` with a float offset `min`.
  case minval
}

/// Storage type of quantization scales.
public enum ScaleDType: String, Sendable, Hashable, CaseIterable {
  case float32
  case float16
  /// Power-of-two scales (`2^k`, `k ∈ [−127, 127]`), as in MX formats. Scales are rounded *up* to a power of two.
  case float8_e8m0fnu
}
