import RecastYAML
import Testing

@Suite struct ScalarResolutionTests {
  /// The value of `v` in `v: <text>`.
  func value(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ScalarValue? {
    parsed("v: \(text)\n", sourceLocation: sourceLocation)?["v"]?.scalar?.value
  }

  @Test(arguments: ["null", "Null", "NULL", "~", ""])
  func nulls(text: String) {
    #expect(value(text) == .null)
  }

  @Test(arguments: [
    ("true", true), ("True", true), ("TRUE", true), ("false", false), ("False", false), ("FALSE", false),
  ])
  func bools(text: String, expected: Bool) {
    #expect(value(text) == .bool(expected))
  }

  @Test(arguments: ["yes", "no", "on", "off", "Yes", "y", "n", "tRUE", "nULL"])
  func yaml11WordsStayStrings(text: String) {
    #expect(value(text) == .string(text))
  }

  @Test(arguments: [
    ("0", 0), ("-17", -17), ("+5", 5), ("007", 7), ("0x1F", 31), ("0xff", 255), ("0o17", 15),
    ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min),
  ])
  func ints(text: String, expected: Int) {
    #expect(value(text) == .int(expected))
  }

  @Test(arguments: [
    ("1.5", 1.5), ("1e-3", 0.001), (".5", 0.5), ("-2.", -2.0), ("+1E+2", 100.0), ("6.02e23", 6.02e23),
    (".inf", Double.infinity), (".Inf", Double.infinity), ("+.INF", Double.infinity), ("-.Inf", -Double.infinity),
    ("-.inf", -Double.infinity), ("9223372036854775808", 9_223_372_036_854_775_808.0),
    ("-99999999999999999999", -99_999_999_999_999_999_999.0), ("0x10000000000000000", 18_446_744_073_709_551_616.0),
  ])
  func floats(text: String, expected: Double) {
    #expect(value(text) == .float(expected))
  }

  @Test(arguments: [".nan", ".NaN", ".NAN"])
  func nans(text: String) throws {
    guard case .float(let d)? = value(text) else {
      Issue.record("not a float")
      return
    }
    #expect(d.isNaN)
  }

  @Test(arguments: [
    "0x", "0o8", "0b101", "1_000", "1.2.3", "e5", ".", "+", "1e", "inf", "nan", ".infinity", "0x1G", "12abc",
    "1:2", "- x", "int8", "per_tensor", "1e5x",
  ])
  func otherFormsAreStrings(text: String) {
    let text = text == "- x" ? "'- x'" : text
    guard case .string? = value(text) else {
      Issue.record("\(text) did not resolve to a string")
      return
    }
  }

  @Test func quotedAndBlockScalarsAreAlwaysStrings() throws {
    let node = try #require(parsed("a: '1'\nb: \"true\"\nc: |\n  1\nd: >-\n  null\ne: ''\n"))
    #expect(node["a"]?.scalar?.value == .string("1"))
    #expect(node["b"]?.scalar?.value == .string("true"))
    #expect(node["c"]?.scalar?.value == .string("1\n"))
    #expect(node["d"]?.scalar?.value == .string("null"))
    #expect(node["e"]?.scalar?.value == .string(""))
  }

  @Test func scalarsKeepTheirSourceText() throws {
    let node = try #require(parsed("a: 0x1F\nb: 1.50\n"))
    #expect(node["a"]?.scalar == Scalar(text: "0x1F", value: .int(31)))
    #expect(node["b"]?.scalar?.text == "1.50")
  }

  @Test func explicitCoreTagsAreHonoured() throws {
    let node = try #require(
      parsed("a: !!str 1\nb: !!int '42'\nc: !!float 3\nd: !!bool \"true\"\ne: !!null ''\nf: !!float '.5'\n"))
    #expect(node["a"]?.scalar?.value == .string("1"))
    #expect(node["a"]?.tag == "!!str")
    #expect(node["b"]?.scalar?.value == .int(42))
    #expect(node["c"]?.scalar?.value == .float(3))
    #expect(node["d"]?.scalar?.value == .bool(true))
    #expect(node["e"]?.scalar?.value == .null)
    #expect(node["f"]?.scalar?.value == .float(0.5))
  }

  @Test func customAndNonSpecificTagsKeepTheTagAndGiveStrings() throws {
    let node = try #require(parsed("a: !custom 12\nb: ! true\n"))
    #expect(node["a"]?.tag == "!custom")
    #expect(node["a"]?.scalar?.value == .string("12"))
    #expect(node["b"]?.scalar?.value == .string("true"))
  }

  @Test(arguments: ["c: !!timestamp 2001-12-14", "c: !!python/object/apply:os.system [ls]", "c: !!set {a: null}"])
  func standardTagsRecastCannotHonourAreErrors(text: String) throws {
    #expect(failure(text)?.id == "yaml.tag")
  }

  @Test(arguments: [
    ("v: !!int abc", "an integer"), ("v: !!int 1.5", "an integer"), ("v: !!float x", "a number"),
    ("v: !!bool yes", "a boolean"), ("v: !!null 0", "null"),
  ])
  func mismatchedCoreTagIsAnError(text: String, expected: String) throws {
    let d = try #require(failure(text))
    #expect(d.id == "yaml.tag")
    #expect(d.message.contains(expected))
    #expect(position(d.span) == [1, 4])
  }

  @Test func coreScalarTagOnACollectionIsAnError() throws {
    #expect(failure("v: !!str [1]")?.id == "yaml.tag")
    #expect(failure("v: !!seq {a: 1}")?.id == "yaml.tag")
    let node = try #require(parsed("v: !!map {a: 1}\nw: !!seq [1]\nx: !thing {a: 1}\n"))
    #expect(node["x"]?.tag == "!thing")
  }
}
