import RecastDiagnostics
import RecastYAML
import Testing

@Suite struct AnchorAndMergeTests {
  @Test func aliasCopiesTheAnchoredNodeWithItsOwnSpan() throws {
    let node = try #require(parsed("spec: &act {dtype: int8}\nuse: *act\n"))
    let anchored = try #require(node["spec"])
    let alias = try #require(node["use"])
    #expect(shape(alias) == #"{"dtype": "int8"}"#)
    #expect(position(alias.span) == [2, 6])
    #expect(alias.span.end.column == 10)
    #expect(alias.aliasOf == anchored.span)
    #expect(alias.anchor == nil)
    #expect(anchored.anchor == "act")
    #expect(anchored.aliasOf == nil)
    #expect(alias.style == .flow)
  }

  @Test func scalarAliasesAndRedefinedAnchors() throws {
    let node = try #require(parsed("a: &x 1\nb: *x\nc: &x two\nd: *x\n"))
    #expect(node["b"]?.scalar?.value == .int(1))
    #expect(node["d"]?.scalar?.value == .string("two"))
  }

  @Test func unknownAliasSuggestsADefinedAnchor() throws {
    let d = try #require(failure("a: &int8_weight {dtype: int8}\nb: *int8_wieght\n"))
    #expect(d.id == "yaml.unknown-alias")
    #expect(position(d.span) == [2, 4])
    #expect(d.message.contains("int8_wieght"))
    #expect(d.help == "did you mean 'int8_weight'?")
  }

  @Test func aliasInsideItsOwnAnchorIsAnError() throws {
    let d = try #require(failure("a: &loop [1, *loop]\n"))
    #expect(d.id == "yaml.unknown-alias")
    #expect(d.notes.first?.span.map(position) == [1, 4])
  }

  @Test func mergeKeyBringsInAMapping() throws {
    let node = try #require(parsed("base: &b {dtype: int8, qscheme: symmetric}\nspec:\n  <<: *b\n  dtype: int4\n"))
    #expect(shape(try #require(node["spec"])) == #"{"qscheme": "symmetric", "dtype": "int4"}"#)
  }

  @Test func explicitKeysWinOverMergedOnesWhereverTheyAppear() throws {
    let before = try #require(parsed("b: &b {x: 1, y: 2}\nm: {x: 9, <<: *b}\n"))
    #expect(shape(try #require(before["m"])) == #"{"x": 9, "y": 2}"#)
    let after = try #require(parsed("b: &b {x: 1, y: 2}\nm: {<<: *b, x: 9}\n"))
    #expect(shape(try #require(after["m"])) == #"{"y": 2, "x": 9}"#)
  }

  @Test func earlierMappingsInAMergeSequenceWin() throws {
    let text = """
      one: &one {a: 1, b: 1}
      two: &two {b: 2, c: 2}
      m:
        <<: [*one, *two]
        c: 3
      """
    let node = try #require(parsed(text))
    #expect(shape(try #require(node["m"])) == #"{"a": 1, "b": 1, "c": 3}"#)
  }

  @Test func mergeOfInlineMappingAndNestedMerges() throws {
    let text = """
      base: &base {a: 1}
      mid: &mid {<<: *base, b: 2}
      top: {<<: *mid, c: 3}
      """
    let node = try #require(parsed(text))
    #expect(shape(try #require(node["top"])) == #"{"a": 1, "b": 2, "c": 3}"#)
    #expect(shape(try #require(parsed("m: {<<: {k: v}}")?["m"])) == #"{"k": "v"}"#)
  }

  @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
    let node = try #require(parsed("m: {'<<': {k: v}}"))
    #expect(node["m"]?["<<"]?["k"]?.string == "v")
  }

  @Test(arguments: ["m: {<<: 1}", "m: {<<: [1]}", "m: {<<: [{a: 1}, [2]]}", "m: {<<: null}"])
  func mergingANonMappingIsAnError(text: String) throws {
    #expect(failure(text)?.id == "yaml.merge")
  }

  @Test func duplicateKeyPointsAtBothOccurrences() throws {
    let d = try #require(failure("dtype: int8\nqscheme: symmetric\ndtype: int4\n"))
    #expect(d.id == "yaml.duplicate-key")
    #expect(position(d.span) == [3, 1])
    #expect(d.notes.count == 1)
    #expect(d.notes.first?.span.map(position) == [1, 1])
  }

  @Test func keysAreComparedAsYAMLValues() throws {
    let d = try #require(failure("m:\n  a: 1\n  \"a\": 2\n"))
    #expect(d.id == "yaml.duplicate-key")
    #expect(position(d.span) == [3, 3])
    #expect(failure("{0x10: a, 16: b}")?.id == "yaml.duplicate-key")
    #expect(parsed("m:\n  0: a\n  \"0\": b\n") != nil)  // an int and a string: distinct YAML keys
    #expect(parsed("{1: a, '1.0': b, true: c, 'True': d}") != nil)
  }

  @Test func mergedKeysAreNotDuplicates() throws {
    let node = try #require(parsed("b: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n"))
    #expect(node["m"]?["x"]?.scalar?.value == .int(2))
    #expect(node["m"]?.mapping?.count == 1)
  }
}
