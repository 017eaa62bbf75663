import RecastDiagnostics
import RecastYAML
import Testing

/// How YAML diagnostics look to a user: the renderer's text for typical mistakes.
@Suite struct RenderedDiagnosticTests {
  static let cases: [(source: String, expected: String)] = [
    (
      "name: w8\ndescription: \"int8 weights\n",
      // The problem is at the end of input (an empty line 3); the note shows where the string began.
      "t.yaml:3:1: error: found unexpected end of stream while scanning a quoted scalar [yaml.syntax]\n"
        + " 3 | \n"
        + "   | ^\n"
        + "  t.yaml:2:14: note: while scanning a quoted scalar that started here\n"
        + " 2 | description: \"int8 weights\n"
        + "   |              ^\n"
    ),
    (
      "quantization_spec:\n  w: {dtype: int8}\n  w: {dtype: int4}\n",
      """
      t.yaml:3:3: error: duplicate key 'w' in mapping [yaml.duplicate-key]
       3 |   w: {dtype: int4}
         |   ^
        t.yaml:2:3: note: 'w' is first defined here
       2 |   w: {dtype: int8}
         |   ^

      """
    ),
    (
      "spec: &act8 {dtype: int8}\nop_input_spec: {\"*\": *act9}\n",
      """
      t.yaml:2:22: error: unknown alias '*act9'; no anchor '&act9' is defined before it [yaml.unknown-alias]
       2 | op_input_spec: {"*": *act9}
         |                      ^~~~~
       help: did you mean 'act8'?

      """
    ),
    (
      "config:\n\tdtype: int8\n",
      """
      t.yaml:2:1: error: found character that cannot start any token while scanning for the next token [yaml.syntax]
       2 |  dtype: int8
         | ^
        t.yaml:2:1: note: while scanning for the next token that started here
       2 |  dtype: int8
         | ^
       help: YAML does not allow tabs for indentation; indent with spaces

      """
    ),
  ]

  @Test(arguments: cases)
  func rendersAsExpected(source: String, expected: String) throws {
    let d = try #require(failure(source))
    #expect(DiagnosticRenderer(sources: ["t.yaml": source]).renderText(d) == expected)
  }
}
