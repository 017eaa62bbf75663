import RecastDiagnostics
import RecastSchema
import RecastYAML
import Testing

/// The messages users see: wording, hints and where they point.
@Suite struct MessageTests {
  let specSchema = """
    {
      "$defs": {
        "spec": {
          "type": "object",
          "properties": {
            "dtype": {"enum": ["int2", "int4", "int8", "uint8"]},
            "qscheme": {"enum": ["symmetric", "affine"]},
            "granularity": {"$ref": "#/$defs/granularity"}
          },
          "additionalProperties": false
        },
        "granularity": {
          "anyOf": [
            {"type": "object", "properties": {"type": {"const": "per_tensor"}}, "required": ["type"],
             "additionalProperties": false},
            {"type": "object", "properties": {"type": {"const": "per_channel"}, "axis": {"type": "integer"}},
             "required": ["type"], "additionalProperties": false},
            {"type": "object",
             "properties": {"type": {"const": "per_block"}, "block_size": {"type": "integer", "minimum": 1}},
             "required": ["type", "block_size"], "additionalProperties": false}
          ]
        }
      },
      "type": "object",
      "properties": {
        "name": {"type": "string"},
        "quantization_spec": {"type": "object", "additionalProperties": {"$ref": "#/$defs/spec"}}
      },
      "required": ["name"],
      "additionalProperties": false
    }
    """

  func errors(_ instance: String, schema: String? = nil) throws -> [ValidationError] {
    let compiled = try JSONSchema(try JSONReader.parse(schema ?? specSchema, file: "schema.json"))
    return compiled.validate(try JSONReader.parse(instance, file: "r.json"))
  }

  func only(_ instance: String, schema: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> ValidationError
  {
    let found = try errors(instance, schema: schema)
    #expect(found.count == 1, "\(found.map(\.message))", sourceLocation: sourceLocation)
    return try #require(found.first, sourceLocation: sourceLocation)
  }

  @Test func enumSuggestsTheClosestValue() throws {
    let text = #"{"name": "x", "quantization_spec": {"w": {"dtype": "int7"}}}"#
    let error = try only(text)
    #expect(error.keyword == "enum")
    #expect(error.message == "'dtype' must be one of int2, int4, int8, uint8; found 'int7'")
    #expect(error.help == "did you mean 'int8'?")
    #expect(error.instancePath == "/quantization_spec/w/dtype")
    #expect(error.schemaPath == "#/$defs/spec/properties/dtype/enum")
    #expect(error.span.start.column == 52)
    #expect(error.diagnostic.id == "schema.enum")
  }

  @Test func unknownKeyPointsAtTheKeyAndSuggests() throws {
    let text = "{\"name\": \"x\",\n \"quantization_spec\": {\"w\": {\"dtype\": \"int8\", \"granularty\": {}}}}"
    let error = try only(text)
    #expect(error.keyword == "additionalProperties")
    #expect(error.message == "unknown key 'granularty' in quantization_spec.w")
    #expect(error.help == "did you mean 'granularity'?")
    #expect(error.span.start.line == 2)
    #expect(error.span.start.column == 47)
    #expect(error.span.end.column == 59)  // the quoted key, not its value
    #expect(error.diagnostic.id == "schema.additionalProperties")
  }

  @Test func unknownTopLevelKey() throws {
    let error = try only(#"{"name": "x", "nmae": "y"}"#)
    #expect(error.message == "unknown key 'nmae' in the top level")
    #expect(error.help == "did you mean 'name'?")
  }

  @Test func typeMismatch() throws {
    let error = try only(#"{"name": 3}"#)
    #expect(error.keyword == "type")
    #expect(error.message == "expected string, found integer")
    #expect(error.instancePath == "/name")
  }

  @Test func missingRequiredKeyAtTheObject() throws {
    let errors = try errors(#"  {"nam": "x"}"#)
    #expect(errors.map(\.keyword).sorted() == ["additionalProperties", "required"])
    let required = try #require(errors.first { $0.keyword == "required" })
    #expect(required.message == "missing required key 'name'")
    #expect(required.help == "is 'nam' a misspelling of 'name'?")
    #expect(required.span.start.column == 3)  // the object, which is where the key belongs
  }

  @Test func anyOfPicksTheBranchWhoseDiscriminatorMatches() throws {
    let text = #"{"name": "x", "quantization_spec": {"w": {"granularity": {"type": "per_block", "block_size": "32"}}}}"#
    let error = try only(text)
    #expect(error.keyword == "type")
    #expect(error.instancePath == "/quantization_spec/w/granularity/block_size")
    #expect(error.message == "expected integer, found string")
  }

  @Test func anyOfPicksTheBranchWithTheDeepestError() throws {
    let text = #"{"name": "x", "quantization_spec": {"w": {"granularity": {"type": "per_block", "block_size": 0}}}}"#
    let error = try only(text)
    #expect(error.keyword == "minimum")
    #expect(error.message == "'block_size' must be at least 1; found 0")
  }

  @Test func anyOfMergesDiscriminatorValues() throws {
    let text = #"{"name": "x", "quantization_spec": {"w": {"granularity": {"type": "per_blok"}}}}"#
    let error = try only(text)
    #expect(error.keyword == "enum")
    #expect(error.message == "'type' must be one of per_tensor, per_channel, per_block; found 'per_blok'")
    #expect(error.help == "did you mean 'per_block'?")
    #expect(error.instancePath == "/quantization_spec/w/granularity/type")
  }

  @Test func anyOfMergesTypes() throws {
    let schema = #"{"anyOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}]}"#
    let error = try only("12", schema: schema)
    #expect(error.message == "expected string, array or object, found integer")
  }

  @Test func oneOfNamesTheMatchingAlternatives() throws {
    let schema = #"{"oneOf": [{"type": "integer"}, {"minimum": 2}, {"type": "string"}]}"#
    let error = try only("3", schema: schema)
    #expect(error.keyword == "oneOf")
    #expect(error.message == "the document matches 2 alternatives of 'oneOf' (#1 or #2); it must match exactly one")
  }

  @Test func numericAndLengthMessages() throws {
    let schema = #"{"properties": {"lr": {"exclusiveMinimum": 0, "maximum": 1}, "tag": {"maxLength": 3}}}"#
    #expect(try only(#"{"lr": 0}"#, schema: schema).message == "'lr' must be greater than 0; found 0")
    #expect(try only(#"{"lr": 1.5}"#, schema: schema).message == "'lr' must be at most 1; found 1.5")
    #expect(try only(#"{"tag": "abcd"}"#, schema: schema).message == "'tag' must be at most 3 characters long; found 4")
  }

  @Test func invalidSchemaThrowsDiagnostics() throws {
    let node = try JSONReader.parse(##"{"type": "strin", "$ref": "#/$defs/missing"}"##, file: "s.json")
    #expect {
      _ = try JSONSchema(node)
    } throws: { error in
      let ids = (error as? DiagnosticError)?.diagnostics.map(\.id) ?? []
      return ids == ["schema.invalid-schema", "schema.invalid-schema"]
    }
  }

  @Test func validatesAgainstTheEmbeddedMetaschema() throws {
    let meta = try JSONSchema(
      try JSONReader.parse(#"{"$ref": "https://json-schema.org/draft/2020-12/schema"}"#, file: "m.json"))
    #expect(meta.isValid(try JSONReader.parse(specSchema, file: "schema.json")))
    let bad = try JSONReader.parse(#"{"properties": {"a": {"minLength": -1}}}"#, file: "b.json")
    let errors = meta.validate(bad)
    #expect(!errors.isEmpty)
    #expect(errors.contains { $0.instancePath == "/properties/a/minLength" })
  }
}
