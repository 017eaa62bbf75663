/// A position in a source file: 1-based line and column (columns count Unicode scalars), 0-based byte offset.
public struct SourceMark: Sendable, Hashable, Codable, Comparable {
  public var line: Int
  public var column: Int
  public var offset: Int

  public init(line: Int, column: Int, offset: Int) {
    self.line = line
    self.column = column
    self.offset = offset
  }

  public static func < (lhs: SourceMark, rhs: SourceMark) -> Bool { lhs.offset < rhs.offset }
}

/// A half-open range `[start, end)` in one source file.
public struct SourceSpan: Sendable, Hashable, Codable {
  /// The file's path as the user named it (or a pseudo name such as `<stdin>`).
  public var file: String
  public var start: SourceMark
  public var end: SourceMark

  public init(file: String, start: SourceMark, end: SourceMark) {
    self.file = file
    self.start = start
    self.end = end
  }

  /// A zero-width span at one mark.
  public init(file: String, at mark: SourceMark) {
    self.init(file: file, start: mark, end: mark)
  }

  /// `file:line:col`, the editor-parseable prefix of a diagnostic.
  public var description: String { "\(file):\(start.line):\(start.column)" }
}
