import RecastDiagnostics
import RecastYAML
import Testing

@Suite struct JSONReaderTests {
  func parse(_ text: String) throws -> Node { try JSONReader.parse(text, file: "t.json") }

  func syntaxError(_ text: String) -> Diagnostic? {
    do {
      _ = try JSONReader.parse(text, file: "t.json")
      return nil
    } catch {
      return error.diagnostics.first
    }
  }

  @Test func scalars() throws {
    #expect(try parse("null").scalar?.value == .null)
    #expect(try parse(" true ").scalar?.value == .bool(true))
    #expect(try parse("false").scalar?.value == .bool(false))
    #expect(try parse("\"hi\"").string == "hi")
    #expect(try parse("\"hi\"").style == .doubleQuoted)
  }

  @Test(arguments: [
    ("0", ScalarValue.int(0)), ("-12", .int(-12)), ("9223372036854775807", .int(Int.max)),
    ("-9223372036854775808", .int(Int.min)), ("9223372036854775808", .float(9_223_372_036_854_775_808)),
    ("1.0", .float(1)), ("1e2", .float(100)), ("-0.5E-1", .float(-0.05)), ("1E+2", .float(100)),
  ])
  func numbers(text: String, value: ScalarValue) throws {
    let node = try parse(text)
    #expect(node.scalar?.value == value)
    #expect(node.scalar?.text == text)
  }

  @Test func escapesAndSurrogatePairs() throws {
    let node = try parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#)
    #expect(node.string == "a\"b\\c/d\u{8}\u{c}\n\r\té😀")
  }

  @Test func keepsKeyOrderAndLastDuplicate() throws {
    let node = try parse(#"{"b": 1, "a": 2, "b": 3}"#)
    #expect(node.mapping?.map { $0.key.keyString } == ["b", "a"])
    #expect(node["b"]?.scalar?.value == .int(3))
  }

  @Test func spans() throws {
    let node = try parse("{\n  \"é\": [1, \"x\"]\n}")
    #expect(node.span.start == SourceMark(line: 1, column: 1, offset: 0))
    #expect(node.span.end == SourceMark(line: 3, column: 2, offset: 20))
    let pair = try #require(node.mapping?.first)
    #expect(pair.key.span.start == SourceMark(line: 2, column: 3, offset: 4))
    #expect(pair.key.span.end == SourceMark(line: 2, column: 6, offset: 8))
    let array = try #require(pair.value.sequence)
    #expect(pair.value.span.start == SourceMark(line: 2, column: 8, offset: 10))
    #expect(array[1].span.start == SourceMark(line: 2, column: 12, offset: 14))
    #expect(array[1].span.end == SourceMark(line: 2, column: 15, offset: 17))
  }

  @Test(arguments: [
    "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "1e", "tru", "nul", "[1 2]", "{\"a\" 1}",
    "{a: 1}", "\"abc", "\"\\x\"", "\"\\u12G4\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\u{1}b\"", "[1] x", "'a'",
    "truex", "NaN", "Infinity",
  ])
  func rejects(text: String) {
    let d = syntaxError(text)
    #expect(d?.id == "json.syntax", "\(text)")
    #expect(d?.span != nil)
  }

  @Test func errorLocation() throws {
    let d = try #require(syntaxError("{\n  \"a\": [1,\n  ]\n}"))
    #expect(d.span?.start.line == 3)
    #expect(d.span?.start.column == 3)
    #expect(d.message.contains("']'"))
  }

  @Test func depthLimit() throws {
    let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
    #expect(try parse(ok).sequence?.count == 1)
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(syntaxError(deep)?.id == "json.depth-limit")
  }

  @Test func jsonEquality() throws {
    #expect(try parse("1").jsonEquals(try parse("1.0")))
    #expect(try !parse("1").jsonEquals(try parse("1.5")))
    #expect(try parse(#"{"a": [1, {"b": null}], "c": "x"}"#).jsonEquals(try parse(#"{"c":"x","a":[1.0,{"b":null}]}"#)))
    #expect(try !parse("[1, 2]").jsonEquals(try parse("[2, 1]")))
    #expect(try !parse("{\"a\": 1}").jsonEquals(try parse("{\"a\": 1, \"b\": 2}")))
    #expect(try !parse("true").jsonEquals(try parse("1")))
    #expect(try !parse("0").jsonEquals(try parse("false")))
    #expect(try !parse("\"\"").jsonEquals(try parse("null")))
  }
}
