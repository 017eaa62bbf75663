import RecastDiagnostics
import Testing

@Suite struct RendererTests {
  let source = "recast: 1\nquantization_spec:\n  w:\n    dtype: int7\n"

  func span(line: Int, column: Int, length: Int, offset: Int) -> SourceSpan {
    SourceSpan(
      file: "r.yaml", start: SourceMark(line: line, column: column, offset: offset),
      end: SourceMark(line: line, column: column + length, offset: offset + length))
  }

  @Test func textHasLocationSnippetCaretAndHelp() {
    let d = Diagnostic(
      id: "schema.enum", message: "'dtype' must be one of int4, int8; found 'int7'",
      span: span(line: 4, column: 12, length: 4, offset: 43), help: "did you mean 'int8'?")
    let text = DiagnosticRenderer(sources: ["r.yaml": source]).renderText(d)
    #expect(
      text == """
        r.yaml:4:12: error: 'dtype' must be one of int4, int8; found 'int7' [schema.enum]
         4 |     dtype: int7
           |            ^~~~
         help: did you mean 'int8'?

        """)
  }

  @Test func unknownFileRendersWithoutSnippet() {
    let d = Diagnostic.warning("x.y", "careful", at: span(line: 1, column: 1, length: 1, offset: 0))
    #expect(DiagnosticRenderer().renderText(d) == "r.yaml:1:1: warning: careful [x.y]\n")
  }

  @Test func githubEscapesNewlinesAndCommas() {
    let d = Diagnostic.error("a.b", "one\ntwo", at: span(line: 2, column: 3, length: 1, offset: 12))
    let out = DiagnosticRenderer().render([d], format: .github)
    #expect(out == "::error file=r.yaml,line=2,col=3,title=a.b::one%0Atwo\n")
  }

  @Test func jsonIsParseableAndKeepsFields() throws {
    let d = Diagnostic.error("a.b", "quote \" and \\", at: span(line: 2, column: 3, length: 1, offset: 12), help: "h")
    let out = DiagnosticRenderer().render([d], format: .json)
    #expect(out.contains("\"id\": \"a.b\""))
    #expect(out.contains("\"message\": \"quote \\\" and \\\\\""))
    #expect(out.contains("\"line\": 2"))
  }

  @Test(arguments: [
    ("kitten", "sitting", 3), ("", "abc", 3), ("int8", "int8", 0), ("dtype", "dtpye", 1), ("ca", "abc", 3),
  ])
  func editDistanceMatchesKnownValues(a: String, b: String, expected: Int) {
    #expect(editDistance(a, b) == expected)
  }

  @Test func suggestionsPreferClosest() {
    #expect(didYouMean("granularty", among: ["granularity", "dtype", "qscheme"]) == "did you mean 'granularity'?")
    #expect(didYouMean("zzzzzz", among: ["granularity", "dtype"]) == nil)
  }
}
