import RecastSchema
import RecastYAML
import Testing

/// Hostile schemas and instances end in an answer, not a crash.
@Suite struct RobustnessTests {
  func parse(_ text: String) throws -> Node { try JSONReader.parse(text, file: "t.json") }

  @Test func deeplyNestedInstanceValidates() throws {
    let schema = try JSONSchema(try parse(##"{"type": "array", "items": {"$ref": "#"}}"##))
    let depth = JSONReader.maxDepth
    let instance = try parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
    #expect(schema.isValid(instance))
    let bad = try parse(String(repeating: "[", count: depth - 1) + "1" + String(repeating: "]", count: depth - 1))
    let errors = schema.validate(bad)
    #expect(errors.map(\.keyword) == ["type"])
    #expect(errors.first?.instancePath == String(repeating: "/0", count: depth - 1))
  }

  @Test func referenceCycleIsReportedNotFollowedForever() throws {
    let schema = try JSONSchema(
      try parse(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##))
    #expect(!schema.isValid(try parse("1")))
    #expect(schema.validate(try parse("1")).map(\.keyword) == ["depth-limit"])
  }

  @Test func multipleOfHandlesDecimalsAndOverflow() throws {
    let small = try JSONSchema(try parse(#"{"multipleOf": 0.0001}"#))
    #expect(small.isValid(try parse("0.0075")))
    #expect(!small.isValid(try parse("0.00751")))
    let overflow = try JSONSchema(try parse(#"{"type": "integer", "multipleOf": 0.123456789}"#))
    #expect(!overflow.isValid(try parse("1e308")))
    let integers = try JSONSchema(try parse(#"{"multipleOf": 3}"#))
    #expect(integers.isValid(try parse("9223372036854775806")))
    #expect(!integers.isValid(try parse("9223372036854775807")))
  }

  @Test func patternIsAnECMASearch() throws {
    let schema = try JSONSchema(try parse(#"{"pattern": "\\d+$"}"#))
    #expect(schema.isValid(try parse(#""abc123""#)))
    #expect(!schema.isValid(try parse(#""123\n""#)))  // ECMA `$` does not match before a final newline
    #expect(!schema.isValid(try parse(#""١٢٣""#)))  // ECMA `\d` is ASCII only
  }
}
