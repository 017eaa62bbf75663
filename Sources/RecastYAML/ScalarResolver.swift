/// Resolves scalar text to a value under the YAML 1.2 core schema, and applies explicit core tags.
///
/// Only plain, untagged scalars are resolved by their form: null (`null`, `Null`, `NULL`, `~`, empty), bool
/// (`true`/`True`/`TRUE`/`false`/`False`/`FALSE` — not YAML 1.1's yes/no/on/off), int (decimal with optional
/// sign, `0x` hex, `0o` octal) and float (`1.5`, `1e-3`, `.5`, `.inf`, `-.Inf`, `.nan`). Integers that do not
/// fit in `Int` become floats. Everything else is a string.
enum ScalarResolver {
  /// The value of an untagged plain scalar.
  static func resolvePlain(_ text: String) -> ScalarValue {
    if let null = null(text) { return null }
    if let bool = bool(text) { return .bool(bool) }
    if let number = integer(text) { return number }
    if let float = float(text) { return .float(float) }
    return .string(text)
  }

  /// Why an explicit core tag does not fit a scalar's text.
  struct TagMismatch: Error {
    var expected: String
  }

  /// The value of a scalar carrying an explicit tag in short form (`!!int`), or nil when the tag is not a core
  /// scalar tag (the caller keeps the text as a string). Throws when the text does not fit the tag.
  static func resolve(_ text: String, coreTag tag: String) throws(TagMismatch) -> ScalarValue? {
    switch tag {
    case "!!str":
      return .string(text)
    case "!!null":
      guard let value = null(text) else { throw TagMismatch(expected: "null") }
      return value
    case "!!bool":
      guard let value = bool(text) else { throw TagMismatch(expected: "a boolean") }
      return .bool(value)
    case "!!int":
      guard let value = integer(text) else { throw TagMismatch(expected: "an integer") }
      return value
    case "!!float":
      if let value = float(text) { return .float(value) }
      switch integer(text) {
      case .int(let i)?: return .float(Double(i))
      case .float(let d)?: return .float(d)
      default: throw TagMismatch(expected: "a number")
      }
    default:
      return nil
    }
  }

  static func null(_ text: String) -> ScalarValue? {
    switch text {
    case "", "~", "null", "Null", "NULL": return .null
    default: return nil
    }
  }

  static func bool(_ text: String) -> Bool? {
    switch text {
    case "true", "True", "TRUE": return true
    case "false", "False", "FALSE": return false
    default: return nil
    }
  }

  /// `[-+]?[0-9]+`, `0o[0-7]+` or `0x[0-9a-fA-F]+`; `.float` when the value does not fit in `Int`.
  static func integer(_ text: String) -> ScalarValue? {
    let utf8 = Array(text.utf8)
    guard !utf8.isEmpty else { return nil }
    if utf8.count > 2, utf8[0] == UInt8(ascii: "0") {
      let radix: Int? =
        switch utf8[1] {
        case UInt8(ascii: "x"): 16
        case UInt8(ascii: "o"): 8
        default: nil
        }
      if let radix {
        let digits = utf8[2...]
        guard digits.allSatisfy({ digitValue($0).map { $0 < radix } ?? false }) else { return nil }
        return accumulate(digits, radix: radix, negative: false)
      }
    }
    var digits = utf8[...]
    var negative = false
    if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
      negative = sign == UInt8(ascii: "-")
      digits = digits.dropFirst()
    }
    guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
      return nil
    }
    return accumulate(digits, radix: 10, negative: negative)
  }

  /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?\.(inf|Inf|INF)` or `\.(nan|NaN|NAN)`.
  static func float(_ text: String) -> Double? {
    switch text {
    case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
    case "-.inf", "-.Inf", "-.INF": return -.infinity
    case ".nan", ".NaN", ".NAN": return .nan
    default: break
    }
    guard isCoreFloat(Array(text.utf8)) else { return nil }
    return Double(text)
  }

  private static func isCoreFloat(_ s: [UInt8]) -> Bool {
    var i = 0
    func digits() -> Int {
      let start = i
      while i < s.count, s[i] >= UInt8(ascii: "0"), s[i] <= UInt8(ascii: "9") { i += 1 }
      return i - start
    }
    if i < s.count, s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") { i += 1 }
    let whole = digits()
    var fraction = 0
    if i < s.count, s[i] == UInt8(ascii: ".") {
      i += 1
      fraction = digits()
      if whole == 0 && fraction == 0 { return false }
    } else if whole == 0 {
      return false
    }
    if i < s.count, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
      i += 1
      if i < s.count, s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") { i += 1 }
      if digits() == 0 { return false }
    }
    return i == s.count
  }

  private static func digitValue(_ byte: UInt8) -> Int? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a")) + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A")) + 10
    default: return nil
    }
  }

  /// Accumulates digits into an `Int` (negated as it goes, so `Int.min` fits), falling back to `Double`.
  private static func accumulate(_ digits: ArraySlice<UInt8>, radix: Int, negative: Bool) -> ScalarValue {
    var value = 0
    var overflow = false
    for byte in digits {
      let digit = digitValue(byte)!
      let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
      let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
      if o1 || o2 {
        overflow = true
        break
      }
      value = next
    }
    guard overflow else { return .int(value) }
    if radix == 10, let double = Double(String(decoding: digits, as: UTF8.self)) {
      return .float(negative ? -double : double)  // correctly rounded, unlike digit-by-digit accumulation
    }
    var double = 0.0
    for byte in digits { double = double * Double(radix) + Double(digitValue(byte)!) }
    return .float(negative ? -double : double)
  }
}
