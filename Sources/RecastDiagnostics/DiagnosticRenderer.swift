/// Output formats for a list of diagnostics.
public enum DiagnosticFormat: String, Sendable, CaseIterable {
  /// `path:line:col: severity: message [id]`, the source line, a caret, notes and help.
  case text
  /// A JSON array of diagnostic objects.
  case json
  /// SARIF 2.1.0, for code-scanning tools.
  case sarif
  /// GitHub Actions workflow commands (`::error file=...`).
  case github
}

/// Renders diagnostics. Source lines for the snippet come from `sources` (path → file text); a
/// diagnostic whose file is unknown is rendered without a snippet.
public struct DiagnosticRenderer: Sendable {
  public var sources: [String: String]
  public var color: Bool

  public init(sources: [String: String] = [:], color: Bool = false) {
    self.sources = sources
    self.color = color
  }

  public func render(_ diagnostics: [Diagnostic], format: DiagnosticFormat, toolVersion: String = "0") -> String {
    switch format {
    case .text: return diagnostics.map(renderText).joined()
    case .json: return JSONWriter.render(.array(diagnostics.map(jsonValue)), pretty: true) + "\n"
    case .sarif: return renderSARIF(diagnostics, toolVersion: toolVersion)
    case .github: return diagnostics.map(renderGitHub).joined()
    }
  }

  // MARK: text

  /// One diagnostic as text, ending in a newline.
  public func renderText(_ d: Diagnostic) -> String {
    var out = ""
    let location = d.span.map { "\($0.description): " } ?? ""
    out += "\(location)\(paint(d.severity.rawValue + ":", d.severity)) \(d.message) [\(d.id)]\n"
    if let span = d.span { out += snippet(span) }
    for note in d.notes {
      let where_ = note.span.map { "\($0.description): " } ?? ""
      out += "  \(where_)note: \(note.message)\n"
      if let span = note.span { out += snippet(span) }
    }
    if let help = d.help { out += " help: \(help)\n" }
    return out
  }

  private func paint(_ text: String, _ severity: Severity) -> String {
    guard color else { return text }
    let code = switch severity {
    case .error: "31"
    case .warning: "33"
    case .note: "36"
    }
    return "\u{1B}[1;\(code)m\(text)\u{1B}[0m"
  }

  /// The source line of `span.start` with a gutter, and a caret line under the span (`^~~~`).
  func snippet(_ span: SourceSpan) -> String {
    guard let text = sources[span.file], let line = Self.line(span.start.line, of: text) else { return "" }
    let number = String(span.start.line)
    let gutter = String(repeating: " ", count: number.count)
    let shown = String(line.unicodeScalars.map { $0 == "\t" ? " " : Character($0) })
    let lineLength = shown.count
    let startColumn = Swift.max(1, Swift.min(span.start.column, lineLength + 1))
    var width = 1
    if span.end.line == span.start.line, span.end.column > startColumn {
      width = span.end.column - startColumn
    } else if span.end.line > span.start.line {
      width = Swift.max(1, lineLength + 1 - startColumn)
    }
    width = Swift.max(1, Swift.min(width, Swift.max(1, lineLength + 1 - startColumn), 200))
    let display = shown.count > 300 ? String(shown.prefix(300)) + "…" : shown
    let caret = String(repeating: " ", count: startColumn - 1) + "^" + String(repeating: "~", count: width - 1)
    return " \(number) | \(display)\n \(gutter) | \(caret)\n"
  }

  /// Line `n` (1-based) of `text` without its terminator, or nil past the end.
  static func line(_ n: Int, of text: String) -> String? {
    guard n >= 1 else { return nil }
    var current = 1
    var lineStart = text.startIndex
    var index = text.startIndex
    while index < text.endIndex {
      if text[index] == "\n" || text[index] == "\r\n" || text[index] == "\r" {
        if current == n { return String(text[lineStart..<index]) }
        current += 1
        lineStart = text.index(after: index)
      }
      index = text.index(after: index)
    }
    return current == n ? String(text[lineStart..<text.endIndex]) : nil
  }

  // MARK: machine formats

  private func jsonValue(_ d: Diagnostic) -> JSONWriter.Value {
    var object: [(String, JSONWriter.Value)] = [
      ("id", .string(d.id)),
      ("severity", .string(d.severity.rawValue)),
      ("message", .string(d.message)),
    ]
    if let span = d.span { object.append(("span", spanValue(span))) }
    if !d.notes.isEmpty {
      object.append(
        (
          "notes",
          .array(
            d.notes.map { note in
              var fields: [(String, JSONWriter.Value)] = [("message", .string(note.message))]
              if let span = note.span { fields.append(("span", spanValue(span))) }
              return .object(fields)
            })
        ))
    }
    if let help = d.help { object.append(("help", .string(help))) }
    return .object(object)
  }

  private func spanValue(_ span: SourceSpan) -> JSONWriter.Value {
    .object([
      ("file", .string(span.file)),
      ("line", .int(span.start.line)), ("column", .int(span.start.column)), ("offset", .int(span.start.offset)),
      ("endLine", .int(span.end.line)), ("endColumn", .int(span.end.column)), ("endOffset", .int(span.end.offset)),
    ])
  }

  private func renderSARIF(_ diagnostics: [Diagnostic], toolVersion: String) -> String {
    let ruleIDs = Array(Set(diagnostics.map(\.id))).sorted()
    let results: [JSONWriter.Value] = diagnostics.map { d in
      var fields: [(String, JSONWriter.Value)] = [
        ("ruleId", .string(d.id)),
        ("level", .string(d.severity == .note ? "note" : d.severity.rawValue)),
        ("message", .object([("text", .string(d.help.map { "\(d.message) (\($0))" } ?? d.message))])),
      ]
      if let span = d.span {
        fields.append(
          (
            "locations",
            .array([
              .object([
                (
                  "physicalLocation",
                  .object([
                    ("artifactLocation", .object([("uri", .string(span.file))])),
                    (
                      "region",
                      .object([
                        ("startLine", .int(span.start.line)), ("startColumn", .int(span.start.column)),
                        ("endLine", .int(span.end.line)), ("endColumn", .int(Swift.max(span.end.column, span.start.column + 1))),
                      ])
                    ),
                  ])
                )
              ])
            ])
          ))
      }
      return .object(fields)
    }
    let sarif: JSONWriter.Value = .object([
      ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
      ("version", .string("2.1.0")),
      (
        "runs",
        .array([
          .object([
            (
              "tool",
              .object([
                (
                  "driver",
                  .object([
                    ("name", .string("recast")), ("version", .string(toolVersion)),
                    ("rules", .array(ruleIDs.map { .object([("id", .string($0))]) })),
                  ])
                )
              ])
            ),
            ("results", .array(results)),
          ])
        ])
      ),
    ])
    return JSONWriter.render(sarif, pretty: true) + "\n"
  }

  private func renderGitHub(_ d: Diagnostic) -> String {
    let command = switch d.severity {
    case .error: "error"
    case .warning: "warning"
    case .note: "notice"
    }
    var properties: [String] = []
    if let span = d.span {
      properties.append("file=\(escapeProperty(span.file))")
      properties.append("line=\(span.start.line)")
      properties.append("col=\(span.start.column)")
    }
    properties.append("title=\(escapeProperty(d.id))")
    var message = d.message
    if let help = d.help { message += " (help: \(help))" }
    return "::\(command) \(properties.joined(separator: ","))::\(escapeData(message))\n"
  }

  private func escapeData(_ s: String) -> String {
    s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
      .replacingOccurrences(of: "\n", with: "%0A")
  }

  private func escapeProperty(_ s: String) -> String {
    escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
