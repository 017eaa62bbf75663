import RecastDiagnostics
import RecastYAML
import Testing

@Suite struct ErrorTests {
  @Test func unterminatedQuotedStringReportsProblemAndContextMarks() throws {
    let d = try #require(failure("name: test\nvalue: \"abc\n"))
    #expect(d.id == "yaml.syntax")
    #expect(d.message.contains("found unexpected end of stream"))
    #expect(d.message.contains("while scanning a quoted scalar"))
    #expect(position(d.span) == [3, 1])  // end of input
    #expect(d.span?.start.offset == 23)
    let note = try #require(d.notes.first)
    #expect(note.message == "while scanning a quoted scalar that started here")
    #expect(note.span.map(position) == [2, 8])  // the opening quote
    #expect(note.span?.start.offset == 18)
  }

  @Test func syntaxErrorWithoutContextHasNoNote() throws {
    let d = try #require(failure("a: b: c\n"))
    #expect(d.id == "yaml.syntax")
    #expect(d.message.contains("mapping values are not allowed"))
    #expect(position(d.span) == [1, 5])
  }

  @Test func badIndentationIsASyntaxError() throws {
    let d = try #require(failure("a:\n  b: 1\n c: 2\n"))
    #expect(d.id == "yaml.syntax")
    #expect(position(d.span)[0] == 3)
  }

  @Test func tabIndentationIsLibyamlsError() throws {
    let d = try #require(failure("a:\n\tb: 1\n"))
    #expect(d.id == "yaml.syntax")
    #expect(position(d.span) == [2, 1])
    #expect(d.help?.contains("tabs") == true)
  }

  @Test func syntaxErrorRendersWithLocationAndContext() throws {
    let source = "x: [1, 2\n"
    let d = try #require(failure(source))
    let text = DiagnosticRenderer(sources: ["t.yaml": source]).renderText(d)
    #expect(text.hasPrefix("t.yaml:2:1: error: "))
    #expect(text.contains("[yaml.syntax]"))
  }

  @Test func secondDocumentIsAnError() throws {
    let d = try #require(failure("a: 1\n---\nb: 2\n"))
    #expect(d.id == "yaml.multiple-documents")
    #expect(position(d.span) == [2, 1])
    let explicit = try #require(failure("---\na: 1\n...\n---\nb: 2\n"))
    #expect(position(explicit.span) == [4, 1])
    #expect(explicit.notes.first?.span.map(position) == [1, 1])
  }

  @Test func invalidUTF8NamesTheByteOffset() throws {
    let d = try #require(failure(bytes: Array("a: ok\nb: caf".utf8) + [0xE9, 0x0A]))
    #expect(d.id == "yaml.encoding")
    #expect(d.message.contains("byte offset 12"))
    #expect(d.span?.start == SourceMark(line: 2, column: 7, offset: 12))
  }

  @Test(
    arguments: [
      [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xFF],
    ] as [[UInt8]])
  func illFormedSequencesAreRejected(bad: [UInt8]) throws {
    let d = try #require(failure(bytes: Array("a: ".utf8) + bad))
    #expect(d.id == "yaml.encoding")
    #expect(d.span?.start.offset == 3)
  }

  @Test func wellFormedMultibyteTextIsAccepted() throws {
    let node = try #require(parsed("name: \"日本語 ✓ 𝄞 é\"\n"))
    #expect(node["name"]?.string == "日本語 ✓ 𝄞 é")
  }

  @Test func utf16IsAnEncodingError() throws {
    let d = try #require(failure(bytes: [0xFF, 0xFE, 0x61, 0x00]))
    #expect(d.id == "yaml.encoding")
    #expect(d.message.contains("UTF-16"))
  }

  @Test func binaryInputIsRejected() throws {
    var bytes = Array("a: 1\n".utf8)
    bytes += [0x00, 0x01, 0x02, 0xFF, 0x00]
    let d = try #require(failure(bytes: bytes))
    #expect(d.id == "yaml.binary")
    #expect(d.message.contains("byte offset 5"))
  }

  @Test func controlCharactersAreLibyamlsReaderError() throws {
    let d = try #require(failure(bytes: Array("a: x\u{01}y\n".utf8)))
    #expect(d.id == "yaml.syntax")
    #expect(d.span?.start.offset == 4)
  }
}
