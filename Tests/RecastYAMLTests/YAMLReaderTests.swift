import Foundation
import RecastDiagnostics
import RecastYAML
import Testing

@Suite struct YAMLReaderTests {
  @Test func buildsMappingsSequencesAndScalars() throws {
    let node = try #require(parsed("a: 1\nb: [x, 'y', \"z\"]\nc:\n  - d: ~\n"))
    #expect(shape(node) == #"{"a": 1, "b": ["x", "y", "z"], "c": [{"d": null}]}"#)
  }

  @Test func spansAreOneBasedWithByteOffsets() throws {
    let node = try #require(parsed("key: value\nlist:\n  - item\n"))
    let pairs = try #require(node.mapping)
    #expect(position(pairs[0].key.span) == [1, 1])
    #expect(position(pairs[0].value.span) == [1, 6])
    #expect(pairs[0].value.span.start.offset == 5)
    #expect(pairs[0].value.span.end == SourceMark(line: 1, column: 11, offset: 10))
    let item = try #require(pairs[1].value.sequence?.first)
    #expect(position(item.span) == [3, 5])
    #expect(item.span.start.offset == 21)
    #expect(item.span.file == "t.yaml")
  }

  @Test func columnsCountCharactersAndOffsetsCountBytes() throws {
    let node = try #require(parsed("é: ü\nb: ✓x\n"))
    let pairs = try #require(node.mapping)
    #expect(pairs[0].value.span.start == SourceMark(line: 1, column: 4, offset: 4))
    #expect(pairs[1].value.span.start == SourceMark(line: 2, column: 4, offset: 10))
    #expect(pairs[1].value.span.end == SourceMark(line: 2, column: 6, offset: 14))
  }

  @Test func keepsStyleTagAndAnchor() throws {
    let node = try #require(parsed("a: &x !custom 'q'\nb: |\n  text\nc: {k: v}\nd: [1]\ne: >\n  f\n"))
    let a = try #require(node["a"])
    #expect(a.style == .singleQuoted)
    #expect(a.tag == "!custom")
    #expect(a.anchor == "x")
    #expect(node["b"]?.style == .literal)
    #expect(node["b"]?.string == "text\n")
    #expect(node["c"]?.style == .flow)
    #expect(node.style == .block)
    #expect(node["e"]?.style == .folded)
    #expect(node["d"]?.span.end.column == 7)
  }

  @Test func collectionSpansRunFromStartToEnd() throws {
    let node = try #require(parsed("a: {k: v, l: w}\n"))
    let span = try #require(node["a"]?.span)
    #expect(span.start.column == 4)
    #expect(span.end.column == 16)
  }

  @Test func emptyInputIsANullNodeAtTheStart() throws {
    for text in ["", "   \n\n", "# only a comment\n# and another\n"] {
      let node = try #require(parsed(text))
      #expect(node.isNull)
      #expect(node.scalar?.text == "")
      #expect(node.span.start == SourceMark(line: 1, column: 1, offset: 0))
    }
    let explicit = try #require(parsed("---\n"))
    #expect(explicit.isNull)
  }

  @Test func byteOrderMarkIsAcceptedAndCountedInOffsets() throws {
    let node = try YAMLReader.parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8), file: "t.yaml")
    #expect(node["a"]?.scalar?.value == .int(1))
    let key = try #require(node.mapping?.first?.key)
    #expect(key.span.start == SourceMark(line: 1, column: 1, offset: 3))
  }

  @Test func explicitDocumentMarkersAreFine() throws {
    let node = try #require(parsed("%YAML 1.1\n---\na: 1\n...\n# trailing comment\n"))
    #expect(node["a"]?.scalar?.value == .int(1))
  }

  @Test func readsFilesAndReportsUnreadableOnes() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("recast-yaml-\(getpid()).yaml").path
    try "x: [1, 2]\n".write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let node = try YAMLReader.parse(contentsOf: path)
    #expect(node["x"]?.sequence?.count == 2)
    #expect(node.span.file == path)
    #expect(throws: DiagnosticError.self) { try YAMLReader.parse(contentsOf: path + ".missing") }
    do {
      _ = try YAMLReader.parse(contentsOf: path + ".missing")
    } catch {
      #expect(error.diagnostics.first?.id == "io.read")
    }
    do {
      _ = try YAMLReader.parse(contentsOf: path, limits: YAMLLimits(maxBytes: 4))
      Issue.record("a file over the size limit was read")
    } catch {
      #expect(error.diagnostics.first?.id == "yaml.too-large")
    }
    do {
      _ = try YAMLReader.parse(contentsOf: "/tmp")
    } catch {
      #expect(error.diagnostics.first?.id == "io.read")
    }
  }
}
