internal import RecastYAML

extension ScalarValue {
  /// The numeric value as a Double (nil for non-numbers).
  var number: Double? {
    switch self {
    case .int(let i): Double(i)
    case .float(let d): d
    default: nil
    }
  }

  /// The numeric value as a Double; 0 for non-numbers (only called on values known to be numbers).
  var asDouble: Double { number ?? 0 }

  /// True for integers and for floats with no fractional part (JSON Schema counts `1.0` as an integer).
  var isInteger: Bool {
    switch self {
    case .int: true
    case .float(let d): d.isFinite && d == d.rounded(.towardZero)
    default: false
    }
  }

  /// Compares two numbers mathematically: negative, zero or positive. Nil when either is not a number.
  static func compareNumbers(_ a: ScalarValue, _ b: ScalarValue) -> Int? {
    switch (a, b) {
    case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
    case (.int(let x), .float(let y)): return compare(x, y)
    case (.float(let x), .int(let y)): return compare(y, x).map { -$0 }
    case (.float(let x), .float(let y)): return x < y ? -1 : (x == y ? 0 : (x > y ? 1 : nil))
    default: return nil
    }
  }

  /// Exact comparison of an Int with a Double (no rounding of large integers).
  private static func compare(_ x: Int, _ y: Double) -> Int? {
    if y.isNaN { return nil }
    if y >= 9.223372036854775808e18 { return -1 }
    if y < -9.223372036854775808e18 { return 1 }
    let whole = Int(y.rounded(.down))
    if x != whole { return x < whole ? -1 : 1 }
    return Double(whole) == y ? 0 : -1
  }

  /// True when `self` is an integer multiple of `divisor` (> 0).
  ///
  /// Integers divide exactly. Otherwise the quotient is computed in Double and accepted when it lies within
  /// a few ulps of an integer: decimal literals such as `0.0075` and `0.0001` are not exact in binary, so an
  /// exact test would reject `0.0075 multipleOf 0.0001`. An infinite quotient (overflow) is not a multiple.
  func isMultiple(of divisor: ScalarValue) -> Bool {
    if case .int(let x) = self, case .int(let y) = divisor { return x % y == 0 }
    guard let x = number, let y = divisor.number, y > 0 else { return false }
    if case .int = divisor, !x.isFinite { return false }
    let quotient = x / y
    guard quotient.isFinite else { return false }
    let nearest = quotient.rounded()
    // Relative tolerance: about 16 ulps of the quotient, enough to absorb binary rounding of decimal inputs.
    return abs(quotient - nearest) <= Swift.max(1, abs(quotient)) * 4e-15
  }
}
