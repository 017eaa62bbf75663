public import Foundation
public import RecastDiagnostics
public import RecastYAML

/// A `--set path.to.key=value` override of a recipe: the value is parsed as YAML (so `8`, `true`,
/// `[top1, sqnr]` and `{samples: 8}` keep their types) and replaces the node at the dotted path, creating
/// intermediate maps as needed. Sequence items are addressed by index (`stages.1.calibrate.samples=8`).
///
/// Paths in an override's value (a model or data file) are relative to the current directory, not to the
/// recipe: the value was written on the command line.
public struct RecipeOverride: Sendable, Hashable, CustomStringConvertible {
  /// The pseudo file name that spans of override values carry.
  public static let fileLabel = "--set"

  public var path: [String]
  public var text: String

  public var description: String { "\(path.joined(separator: "."))=\(text)" }

  /// Parses `a.b.c=value`.
  public init(parsing argument: String) throws(DiagnosticError) {
    guard let equals = argument.firstIndex(of: "=") else {
      throw DiagnosticError(
        .error("run.set", "--set '\(argument)' needs the form path.to.key=value", at: nil))
    }
    let path = argument[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard !path.isEmpty, !path.contains(where: \.isEmpty) else {
      throw DiagnosticError(
        .error("run.set", "--set '\(argument)': the key path has an empty part", at: nil))
    }
    self.path = path
    self.text = String(argument[argument.index(after: equals)...])
  }

  /// `root` with this override applied.
  public func apply(to root: Node) throws(DiagnosticError) -> Node {
    let value = try YAMLReader.parse(text.isEmpty ? "''" : text, file: Self.fileLabel)
    return try replace(in: root, at: path[...], with: value, walked: [])
  }

  private func replace(
    in node: Node, at path: ArraySlice<String>, with value: Node, walked: [String]
  ) throws(DiagnosticError) -> Node {
    guard let key = path.first else { return value }
    let here = walked + [key]
    var node = node
    switch node.kind {
    case .mapping(var pairs):
      if let index = pairs.lastIndex(where: { $0.key.keyString == key }) {
        pairs[index].value = try replace(in: pairs[index].value, at: path.dropFirst(), with: value, walked: here)
      } else {
        let keyNode = Node(kind: .scalar(Scalar(text: key, value: .string(key))), span: value.span)
        let empty = Node(kind: .mapping([]), span: value.span)
        pairs.append(Pair(key: keyNode, value: try replace(in: empty, at: path.dropFirst(), with: value, walked: here)))
      }
      node.kind = .mapping(pairs)
    case .sequence(var items):
      guard let index = Int(key), items.indices.contains(index) else {
        throw DiagnosticError(
          .error(
            "run.set",
            "--set \(description): '\(walked.joined(separator: "."))' is a list of \(items.count) items; "
              + "'\(key)' is not an index in 0..<\(items.count)", at: node.span))
      }
      items[index] = try replace(in: items[index], at: path.dropFirst(), with: value, walked: here)
      node.kind = .sequence(items)
    case .scalar:
      if node.isNull {
        let empty = Node(kind: .mapping([]), span: node.span)
        return try replace(in: empty, at: path, with: value, walked: walked)
      }
      throw DiagnosticError(
        .error(
          "run.set", "--set \(description): '\(walked.joined(separator: "."))' is a \(node.typeName), not a map",
          at: node.span))
    }
    return node
  }
}

/// Paths written in recipes and presets.
public enum RecipePath {
  /// `path` as written in `node`: relative to the folder of the file that declares it, or to the current
  /// directory for a `--set` value.
  public static func resolve(_ path: String, declaredIn node: Node) -> URL {
    if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
    if node.span.file == RecipeOverride.fileLabel {
      return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        .standardizedFileURL
    }
    let folder = URL(fileURLWithPath: node.span.file).deletingLastPathComponent()
    return folder.appendingPathComponent(path).standardizedFileURL
  }
}
