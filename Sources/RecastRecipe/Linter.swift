import Foundation
public import RecastDiagnostics
public import RecastYAML

/// The findings for one file, with its text for rendering snippets.
public struct LintResult: Sendable {
  public var file: String
  public var text: String?
  public var diagnostics: [Diagnostic]
  /// The parsed document, when the file is a readable YAML mapping (model checks and `explain` reuse it).
  public var root: Node? = nil
}

/// Lints recipes and presets: YAML syntax, the JSON Schema, and the semantic rules — every finding
/// in one pass.
public struct Linter: Sendable {
  public var presets: PresetLibrary
  public var rules: [any LintRule]

  public init(presets: PresetLibrary = PresetLibrary(), rules: [any LintRule] = LintRules.all) {
    self.presets = presets
    self.rules = rules
  }

  /// Keys that only a full recipe has; a document with any of them (or `recast:`) is a recipe.
  static let recipeOnlyKeys: Set<String> = ["recast", "model", "data", "stages", "expect"]

  /// Reads and lints a file.
  public func lint(path: String) -> LintResult {
    guard let data = FileManager.default.contents(atPath: path) else {
      let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
      return LintResult(file: path, text: nil, diagnostics: [.error("io.read", "'\(path)' \(reason)", at: nil)])
    }
    return lint(bytes: [UInt8](data), file: path)
  }

  /// Lints a document held in memory; `file` names it in diagnostics.
  public func lint(bytes: [UInt8], file: String) -> LintResult {
    let text = String(validating: bytes, as: UTF8.self)
    let root: Node
    do {
      root = try YAMLReader.parse(bytes: bytes, file: file)
    } catch {
      return LintResult(file: file, text: text, diagnostics: error.diagnostics)
    }
    guard root.mapping != nil else {
      let message = root.isNull
        ? "the file is empty; a recipe needs at least 'recast: 1', a preset 'quantization_config'"
        : "a recipe or preset is a mapping of keys; found \(root.typeName)"
      return LintResult(file: file, text: text, diagnostics: [.error(root.isNull ? "yaml.empty" : "schema.type", message, at: root.span)])
    }
    return LintResult(file: file, text: text, diagnostics: lint(root, file: file), root: root)
  }

  /// Lints a parsed document.
  public func lint(_ root: Node, file: String) -> [Diagnostic] {
    let keys = Set((root.mapping ?? []).compactMap { $0.key.keyString })
    let kind: DocumentKind = keys.isDisjoint(with: Self.recipeOnlyKeys) ? .preset : .recipe
    var diagnostics: [Diagnostic] = []
    do {
      diagnostics += try RecipeSchemas.schema(for: kind).validate(root).map(\.diagnostic)
    } catch {
      diagnostics += error.diagnostics
    }
    let resolution = PresetResolver(library: presets).resolve(root, file: file)
    diagnostics += resolution.diagnostics.filter { $0.id != "lint.unknown-preset" }
    let context = LintContext(file: file, root: root, kind: kind, presets: presets, resolved: resolution.node)
    for rule in rules {
      diagnostics += rule.check(context)
    }
    return diagnostics.sortedByLocation()
  }

  /// Documentation for a diagnostic id, for `recast lint --explain ID`.
  public static func explanation(for id: String) -> String? {
    let documented: [any LintRule] = LintRules.all + [ActivationFloat8E5M2Doc(), BlockSizePositiveDoc()]
    if let rule = documented.first(where: { $0.id == id }) {
      return "\(rule.id): \(rule.summary)\n\n\(rule.explanation)\n"
    }
    return DiagnosticCatalog.entries[id].map { "\(id): \($0)\n" }
  }

  /// Every id `--explain` knows.
  public static var explainableIDs: [String] {
    (LintRules.all.map(\.id) + ["lint.activation-float8-e5m2", "lint.block-size-positive"] + DiagnosticCatalog.entries.keys)
      .sorted()
  }
}
