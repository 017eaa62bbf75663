/// How serious a finding is. Ordered: `note < warning < error`.
public enum Severity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
  case note
  case warning
  case error

  private var rank: Int {
    switch self {
    case .note: 0
    case .warning: 1
    case .error: 2
    }
  }

  public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One finding about a source file: a stable id (`yaml.syntax`, `schema.enum`), a severity, a message,
/// where it is, and optional notes (secondary locations) and a help line.
public struct Diagnostic: Sendable, Hashable, Codable, Error {
  /// A secondary message, optionally with its own location ("first defined here").
  public struct Note: Sendable, Hashable, Codable {
    public var message: String
    public var span: SourceSpan?

    public init(_ message: String, span: SourceSpan? = nil) {
      self.message = message
      self.span = span
    }
  }

  /// Stable identifier, `family.rule`; `recast lint --explain ID` documents it.
  public var id: String
  public var severity: Severity
  public var message: String
  public var span: SourceSpan?
  public var notes: [Note]
  public var help: String?

  public init(
    id: String,
    severity: Severity = .error,
    message: String,
    span: SourceSpan? = nil,
    notes: [Note] = [],
    help: String? = nil
  ) {
    self.id = id
    self.severity = severity
    self.message = message
    self.span = span
    self.notes = notes
    self.help = help
  }

  public static func error(_ id: String, _ message: String, at span: SourceSpan?, help: String? = nil) -> Diagnostic {
    Diagnostic(id: id, severity: .error, message: message, span: span, help: help)
  }

  public static func warning(_ id: String, _ message: String, at span: SourceSpan?, help: String? = nil) -> Diagnostic {
    Diagnostic(id: id, severity: .warning, message: message, span: span, help: help)
  }
}

/// An error that carries one or more diagnostics (a reader that stops at the first syntax error throws one).
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
  public var diagnostics: [Diagnostic]

  public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
  public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }

  public var description: String {
    diagnostics.map { d in
      let location = d.span.map { "\($0.description): " } ?? ""
      return "\(location)\(d.severity.rawValue): \(d.message) [\(d.id)]"
    }.joined(separator: "\n")
  }
}

extension Array where Element == Diagnostic {
  /// True when any finding is an error.
  public var hasErrors: Bool { contains { $0.severity == .error } }

  /// Sorted by file, then position, then severity (errors first), keeping the original order for ties.
  public func sortedByLocation() -> [Diagnostic] {
    enumerated().sorted { a, b in
      let sa = a.element.span, sb = b.element.span
      if sa?.file != sb?.file { return (sa?.file ?? "") < (sb?.file ?? "") }
      let oa = sa?.start.offset ?? -1, ob = sb?.start.offset ?? -1
      if oa != ob { return oa < ob }
      return a.offset < b.offset
    }.map(\.element)
  }
}
