import Foundation
public import RecastDiagnostics

/// Reads one YAML document into a `Node` tree with source spans, using libyaml's event parser.
///
/// Scalars resolve by the YAML 1.2 core schema; anchors, aliases and `<<` merge keys are resolved; duplicate
/// keys, a second document, and inputs beyond `YAMLLimits` are errors. Every failure is a `DiagnosticError`
/// whose diagnostics carry stable ids (`yaml.syntax`, `yaml.duplicate-key`, ...).
///
/// An empty input — no bytes, or only whitespace and comments — is not an error: it returns a null scalar with
/// empty text and a zero-width span at the start of the file. Callers that need content check `isNull`
/// and report the emptiness in their own terms.
public enum YAMLReader {
  /// Parses one YAML document. `file` is the path used in spans and diagnostics.
  public static func parse(_ text: String, file: String, limits: YAMLLimits = .default) throws(DiagnosticError)
    -> Node
  {
    try parse(bytes: Array(text.utf8), file: file, limits: limits)
  }

  /// Parses one YAML document from UTF-8 bytes (a leading byte order mark is accepted).
  public static func parse(bytes: [UInt8], file: String, limits: YAMLLimits = .default) throws(DiagnosticError)
    -> Node
  {
    let skip = try InputCheck.check(bytes, file: file, limits: limits)
    let body = skip == 0 ? bytes : Array(bytes[skip...])
    let map = SourceMap(file: file, bytes: body, baseOffset: skip)
    let emptySpan = map.span(at: map.mark(line: 0, column: 0, index: 0))
    return try body.withUnsafeBufferPointer { buffer throws(DiagnosticError) -> Node in
      var reader = EventReader(input: buffer, map: map)
      var builder = TreeBuilder(limits: limits)
      return try builder.build(from: &reader, emptySpan: emptySpan)
    }
  }

  /// Reads and parses the file at `path`; a file that cannot be read gives an `io.read` diagnostic.
  public static func parse(contentsOf path: String, limits: YAMLLimits = .default) throws(DiagnosticError) -> Node {
    try parse(bytes: try read(path, limits: limits), file: path, limits: limits)
  }

  /// The file's bytes, refusing directories and files over the size limit before reading them.
  static func read(_ path: String, limits: YAMLLimits) throws(DiagnosticError) -> [UInt8] {
    let fileManager = FileManager.default
    var isDirectory: ObjCBool = false
    guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw DiagnosticError(.error("io.read", "cannot read '\(path)': no such file", at: nil))
    }
    if isDirectory.boolValue {
      throw DiagnosticError(.error("io.read", "cannot read '\(path)': it is a directory", at: nil))
    }
    if let size = (try? fileManager.attributesOfItem(atPath: path))?[.size] as? Int, size > limits.maxBytes {
      let sizes = "\(InputCheck.describe(bytes: size)); the limit is \(InputCheck.describe(bytes: limits.maxBytes))"
      throw DiagnosticError(
        .error(
          "yaml.too-large", "'\(path)' is \(sizes)",
          at: SourceSpan(file: path, at: SourceMark(line: 1, column: 1, offset: 0))))
    }
    do {
      return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
      let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
      throw DiagnosticError(.error("io.read", "cannot read '\(path)': \(reason)", at: nil))
    }
  }
}
