public import RecastDiagnostics

/// A strict RFC 8259 JSON parser that produces ``Node`` trees with source spans.
///
/// Object key order is kept; when a key repeats, the last value wins (at the first key's position).
/// Integers without fraction or exponent that fit `Int` become `.int`, every other number `.float`.
/// Nesting is limited to ``maxDepth`` levels so hostile input cannot overflow the stack.
public enum JSONReader {
  /// The deepest nesting of arrays and objects accepted (`json.depth-limit` beyond it).
  public static let maxDepth = 512

  /// Parses one JSON document. Errors are `json.syntax` (or `json.depth-limit`) diagnostics with a location.
  public static func parse(_ text: String, file: String) throws(DiagnosticError) -> Node {
    var parser = Parser(bytes: Array(text.utf8), file: file)
    return try parser.parseDocument()
  }
}

/// The parser state: a byte cursor with its line and column.
private struct Parser {
  let bytes: [UInt8]
  let file: String
  var index = 0
  var line = 1
  var column = 1
  var depth = 0

  init(bytes: [UInt8], file: String) {
    self.bytes = bytes
    self.file = file
  }

  var mark: SourceMark { SourceMark(line: line, column: column, offset: index) }
  var current: UInt8? { index < bytes.count ? bytes[index] : nil }

  /// Consumes one byte, keeping line and column (columns count Unicode scalars).
  mutating func advance() {
    let byte = bytes[index]
    index += 1
    if byte == UInt8(ascii: "\n") {
      line += 1
      column = 1
    } else if byte & 0xC0 != 0x80 {
      column += 1
    }
  }

  mutating func skipWhitespace() {
    while let byte = current {
      switch byte {
      case 0x20, 0x09, 0x0A, 0x0D: advance()
      default: return
      }
    }
  }

  func span(from start: SourceMark) -> SourceSpan { SourceSpan(file: file, start: start, end: mark) }

  /// A `json.syntax` error at the cursor, naming what was found there.
  func error(_ message: String, id: String = "json.syntax") -> DiagnosticError {
    var end = mark
    if index < bytes.count {
      end.offset += 1
      end.column += 1
    }
    return DiagnosticError(.error(id, message, at: SourceSpan(file: file, start: mark, end: end)))
  }

  /// A readable description of the byte under the cursor.
  var found: String {
    guard let byte = current else { return "end of input" }
    if byte < 0x20 { return "control character U+\(String(byte, radix: 16, uppercase: true))" }
    var end = index + 1
    while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
    return "'\(String(decoding: bytes[index..<end], as: UTF8.self))'"
  }

  mutating func parseDocument() throws(DiagnosticError) -> Node {
    skipWhitespace()
    if current == nil { throw error("expected a JSON value, found end of input") }
    let node = try parseValue()
    skipWhitespace()
    if current != nil { throw error("unexpected \(found) after the JSON value") }
    return node
  }

  mutating func parseValue() throws(DiagnosticError) -> Node {
    guard let byte = current else { throw error("expected a JSON value, found end of input") }
    switch byte {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""):
      let start = mark
      let text = try parseString()
      return Node(
        kind: .scalar(Scalar(text: text, value: .string(text))), span: span(from: start), style: .doubleQuoted)
    case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
    case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
    case UInt8(ascii: "n"): return try parseLiteral("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    default: throw error("expected a JSON value, found \(found)")
    }
  }

  mutating func parseLiteral(_ word: String, _ value: ScalarValue) throws(DiagnosticError) -> Node {
    let start = mark
    for byte in word.utf8 {
      guard current == byte else { throw error("expected '\(word)', found \(found)") }
      advance()
    }
    if let byte = current, isIdentifierByte(byte) { throw error("unexpected \(found) after '\(word)'") }
    return Node(kind: .scalar(Scalar(text: word, value: value)), span: span(from: start))
  }

  func isIdentifierByte(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
  }

  mutating func enter() throws(DiagnosticError) {
    depth += 1
    if depth > JSONReader.maxDepth {
      throw error("JSON nesting deeper than \(JSONReader.maxDepth) levels", id: "json.depth-limit")
    }
  }

  mutating func parseArray() throws(DiagnosticError) -> Node {
    let start = mark
    try enter()
    advance()  // [
    var items: [Node] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      advance()
    } else {
      while true {
        skipWhitespace()
        items.append(try parseValue())
        skipWhitespace()
        if current == UInt8(ascii: ",") {
          advance()
          continue
        }
        if current == UInt8(ascii: "]") {
          advance()
          break
        }
        throw error("expected ',' or ']' in array, found \(found)")
      }
    }
    depth -= 1
    return Node(kind: .sequence(items), span: span(from: start), style: .flow)
  }

  mutating func parseObject() throws(DiagnosticError) -> Node {
    let start = mark
    try enter()
    advance()  // {
    var pairs: [Pair] = []
    var positions: [String: Int] = [:]
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      advance()
    } else {
      while true {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { throw error("expected a string key in object, found \(found)") }
        let keyStart = mark
        let key = try parseString()
        let keyNode = Node(
          kind: .scalar(Scalar(text: key, value: .string(key))), span: span(from: keyStart), style: .doubleQuoted)
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw error("expected ':' after object key, found \(found)") }
        advance()
        skipWhitespace()
        let value = try parseValue()
        if let existing = positions[key] {
          pairs[existing] = Pair(key: keyNode, value: value)
        } else {
          positions[key] = pairs.count
          pairs.append(Pair(key: keyNode, value: value))
        }
        skipWhitespace()
        if current == UInt8(ascii: ",") {
          advance()
          continue
        }
        if current == UInt8(ascii: "}") {
          advance()
          break
        }
        throw error("expected ',' or '}' in object, found \(found)")
      }
    }
    depth -= 1
    return Node(kind: .mapping(pairs), span: span(from: start), style: .flow)
  }

  /// Parses a string token (cursor on the opening quote) and returns its decoded value.
  mutating func parseString() throws(DiagnosticError) -> String {
    advance()  // opening quote
    var utf8: [UInt8] = []
    while true {
      guard let byte = current else { throw error("unterminated string, found end of input") }
      switch byte {
      case UInt8(ascii: "\""):
        advance()
        return String(decoding: utf8, as: UTF8.self)
      case UInt8(ascii: "\\"):
        advance()
        try parseEscape(into: &utf8)
      case 0..<0x20:
        throw error("unescaped \(found) in string")
      default:
        utf8.append(byte)
        advance()
      }
    }
  }

  mutating func parseEscape(into utf8: inout [UInt8]) throws(DiagnosticError) {
    guard let byte = current else { throw error("unterminated escape sequence, found end of input") }
    let simple: UInt8? =
      switch byte {
      case UInt8(ascii: "\""): 0x22
      case UInt8(ascii: "\\"): 0x5C
      case UInt8(ascii: "/"): 0x2F
      case UInt8(ascii: "b"): 0x08
      case UInt8(ascii: "f"): 0x0C
      case UInt8(ascii: "n"): 0x0A
      case UInt8(ascii: "r"): 0x0D
      case UInt8(ascii: "t"): 0x09
      default: nil
      }
    if let simple {
      utf8.append(simple)
      advance()
      return
    }
    guard byte == UInt8(ascii: "u") else { throw error("invalid escape sequence '\\\(found.dropFirst().dropLast())'") }
    advance()
    var scalar = try parseHex4()
    if (0xD800..<0xDC00).contains(scalar) {
      guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
        throw error("unpaired UTF-16 high surrogate escape")
      }
      advance()
      advance()
      let low = try parseHex4()
      guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired UTF-16 high surrogate escape") }
      scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
    } else if (0xDC00..<0xE000).contains(scalar) {
      throw error("unpaired UTF-16 low surrogate escape")
    }
    utf8.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
  }

  mutating func parseHex4() throws(DiagnosticError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let byte = current else { throw error("expected 4 hex digits in \\u escape, found end of input") }
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw error("expected a hex digit in \\u escape, found \(found)")
      }
      value = value << 4 | UInt32(digit)
      advance()
    }
    return value
  }

  mutating func parseNumber() throws(DiagnosticError) -> Node {
    let start = mark
    var isInteger = true
    if current == UInt8(ascii: "-") { advance() }
    guard let first = current, isDigit(first) else { throw error("expected a digit in number, found \(found)") }
    advance()
    if first != UInt8(ascii: "0") {
      skipDigits()
    } else if let next = current, isDigit(next) {
      throw error("leading zeros are not allowed in numbers")
    }
    if current == UInt8(ascii: ".") {
      isInteger = false
      advance()
      guard let byte = current, isDigit(byte) else { throw error("expected a digit after '.', found \(found)") }
      skipDigits()
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      isInteger = false
      advance()
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { advance() }
      guard let byte = current, isDigit(byte) else { throw error("expected a digit in exponent, found \(found)") }
      skipDigits()
    }
    let text = String(decoding: bytes[start.offset..<index], as: UTF8.self)
    let value: ScalarValue
    if isInteger, let int = Int(text) {
      value = .int(int)
    } else {
      value = .float(Double(text) ?? .nan)
    }
    return Node(kind: .scalar(Scalar(text: text, value: value)), span: span(from: start))
  }

  func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  mutating func skipDigits() {
    while let byte = current, isDigit(byte) { advance() }
  }
}
