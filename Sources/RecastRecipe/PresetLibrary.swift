public import Foundation
public import RecastDiagnostics
public import RecastYAML

/// Where a preset comes from: shipped inside Recast, or a file.
public enum PresetSource: Sendable, Hashable {
  case builtin(name: String)
  case file(path: String)

  /// A path-like label for messages and spans (`<builtin>/w8.yaml` for built-ins).
  public var label: String {
    switch self {
    case .builtin(let name): "<builtin>/\(name).yaml"
    case .file(let path): path
    }
  }
}

/// Finds presets by name: built-in ones, the recipe's own folder, and the preset path
/// (`--preset-path` directories, then `RECAST_PRESET_PATH`, colon-separated).
public struct PresetLibrary: Sendable {
  public var directories: [String]

  /// - Parameters:
  ///   - directories: extra preset directories, searched first (the CLI's `--preset-path`).
  ///   - environment: the process environment, read for `RECAST_PRESET_PATH`.
  public init(directories: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment) {
    let fromEnvironment = (environment["RECAST_PRESET_PATH"] ?? "").split(separator: ":").map(String.init)
    self.directories = directories + fromEnvironment
  }

  /// Names of the built-in presets.
  public static let builtinNames: [String] = EmbeddedResources.presets.map { stem($0.name) }

  /// The text of a built-in preset.
  public static func builtinText(_ name: String) -> String? {
    EmbeddedResources.presets.first { stem($0.name) == name }?.text
  }

  /// The `extends` entries of a document (a string or a list), as nodes.
  public static func extendsEntries(of root: Node) -> [Node] {
    guard let node = root["extends"] else { return [] }
    if node.scalar != nil { return node.isNull ? [] : [node] }
    return node.sequence ?? []
  }

  /// Resolves an `extends` entry seen in `file`. A name containing `/` or ending in `.yaml`/`.yml`
  /// is a path relative to the file's folder; otherwise the recipe's folder, the preset
  /// directories and the built-ins are searched in that order, skipping the referring file itself.
  public func locate(_ name: String, from file: String) -> PresetSource? {
    let folder = (file as NSString).deletingLastPathComponent
    if name.contains("/") || name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
      let path = name.hasPrefix("/") ? name : (folder.isEmpty ? name : "\(folder)/\(name)")
      return FileManager.default.fileExists(atPath: path) ? .file(path: path) : nil
    }
    let referrer = URL(fileURLWithPath: file).standardizedFileURL.path
    for directory in [folder.isEmpty ? "." : folder] + directories {
      for ext in ["yaml", "yml"] {
        let path = "\(directory)/\(name).\(ext)"
        // A recipe named like the preset it extends (minilm/w8a8.yaml extends w8a8) is not its own base.
        guard URL(fileURLWithPath: path).standardizedFileURL.path != referrer else { continue }
        if FileManager.default.fileExists(atPath: path) { return .file(path: path) }
      }
    }
    return Self.builtinText(name) != nil ? .builtin(name: name) : nil
  }

  /// Every definition of the name `name` visible from `file`, in search order (a path reference has one).
  public func definitions(_ name: String, from file: String) -> [PresetSource] {
    if name.contains("/") || name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
      return locate(name, from: file).map { [$0] } ?? []
    }
    let folder = (file as NSString).deletingLastPathComponent
    let referrer = URL(fileURLWithPath: file).standardizedFileURL.path
    var found: [PresetSource] = []
    var seen: Set<String> = []
    for directory in [folder.isEmpty ? "." : folder] + directories {
      for ext in ["yaml", "yml"] {
        let path = "\(directory)/\(name).\(ext)"
        let standard = URL(fileURLWithPath: path).standardizedFileURL.path
        guard standard != referrer, !seen.contains(standard), FileManager.default.fileExists(atPath: path) else { continue }
        seen.insert(standard)
        found.append(.file(path: path))
      }
    }
    if Self.builtinText(name) != nil { found.append(.builtin(name: name)) }
    return found
  }

  /// The raw bytes of a preset, for digests and conflict checks.
  public func bytes(_ source: PresetSource) -> [UInt8]? {
    switch source {
    case .builtin(let name): Self.builtinText(name).map { Array($0.utf8) }
    case .file(let path): FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
  }

  /// Two definitions of `name` with different contents, if any: `extends` by name would be ambiguous.
  public func conflict(_ name: String, from file: String) -> (PresetSource, PresetSource)? {
    let all = definitions(name, from: file)
    guard let first = all.first else { return nil }
    let reference = bytes(first)
    return all.dropFirst().first { bytes($0) != reference }.map { (first, $0) }
  }

  /// Every preset name visible from `file`: built-ins and the YAML files of the search folders.
  public func names(from file: String) -> [String] {
    let folder = (file as NSString).deletingLastPathComponent
    var names = Set(Self.builtinNames)
    for directory in [folder.isEmpty ? "." : folder] + directories {
      let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
      for entry in entries where entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
        names.insert(Self.stem(entry))
      }
    }
    return names.sorted()
  }

  /// Parses a preset.
  public func load(_ source: PresetSource) throws(DiagnosticError) -> Node {
    switch source {
    case .builtin(let name):
      return try YAMLReader.parse(Self.builtinText(name) ?? "", file: source.label)
    case .file(let path):
      return try YAMLReader.parse(contentsOf: path)
    }
  }

  static func stem(_ fileName: String) -> String {
    (fileName as NSString).deletingPathExtension
  }
}
