public import Foundation
public import RecastDiagnostics
import RecastYAML

/// `recipe.lock.yaml`: what a run used, so a rerun can prove it used the same inputs.
///
/// It holds the Recast version, the `--set` overrides, the SHA-256 of the recipe, of every preset it pulls
/// in (built-ins too), of the model and of every data file a stage read, the data sets' seeds, the exported
/// model's digest, and the fully resolved recipe. It has no timestamps or absolute paths: the same recipe,
/// inputs and seed give the same bytes. `recast run --locked LOCK` recomputes the digests and refuses to run
/// when any differs.
public enum LockFile {
  /// One digest the lock records, under a stable key (`model`, `recipe`, `preset <builtin>/w8a8.yaml`,
  /// `data calibration.inputs`, `data validation.labels.logits`).
  public struct Entry: Sendable, Hashable {
    public var key: String
    /// The path as written where it was declared (or the preset's source label).
    public var path: String
    public var sha256: String
  }

  /// Every input digest of a checked recipe.
  public static func entries(_ setup: RunSetup) throws(DiagnosticError) -> [Entry] {
    var entries: [Entry] = []
    func digest(_ url: URL, _ key: String, _ path: String) throws(DiagnosticError) {
      do {
        entries.append(Entry(key: key, path: path, sha256: try SHA256.hex(contentsOf: url)))
      } catch {
        throw DiagnosticError(.error("io.read", "cannot read '\(url.path)' to record its digest: \(error)", at: nil))
      }
    }
    try digest(URL(fileURLWithPath: setup.file), "recipe", (setup.file as NSString).lastPathComponent)
    for preset in setup.presets {
      entries.append(Entry(key: "preset \(preset.source)", path: preset.reference, sha256: preset.sha256))
    }
    if let node = setup.resolved["model"]?["path"], let path = node.string {
      try digest(setup.modelURL, "model", path)
    }
    for name in setup.datasets.keys.sorted() {
      guard let source = setup.resolved["data"]?[name] else { continue }
      for role in ["inputs", "labels"] {
        guard let node = source[role] else { continue }
        if let path = node.string {
          try digest(RecipePath.resolve(path, declaredIn: node), "data \(name).\(role)", path)
        }
        for pair in node.mapping ?? [] {
          guard let key = pair.key.keyString, let path = pair.value.string else { continue }
          try digest(RecipePath.resolve(path, declaredIn: pair.value), "data \(name).\(role).\(key)", path)
        }
      }
    }
    return entries
  }

  /// The lock's text.
  public static func render(
    setup: RunSetup, outputName: String, outputDigest: String, lockURL: URL
  ) throws(DiagnosticError) -> String {
    var out = "# Written by `recast run`. `recast run --locked \(lockURL.lastPathComponent)` checks these digests.\n"
    out += "lock_version: 1\n"
    out += "recast_version: \(quote(setup.configuration.version))\n"
    out += "recipe_path: \(quote(relativePath(from: lockURL.deletingLastPathComponent(), to: URL(fileURLWithPath: setup.file))))\n"
    out += "overrides: " + (setup.configuration.overrides.isEmpty ? "[]\n" : "\n")
    for override in setup.configuration.overrides { out += "  - \(quote(override.description))\n" }
    out += "digests:\n"
    for entry in try entries(setup) {
      out += "  - {key: \(quote(entry.key)), path: \(quote(entry.path)), sha256: \(entry.sha256)}\n"
    }
    out += "seeds:" + (setup.datasets.isEmpty ? " {}\n" : "\n")
    for name in setup.datasets.keys.sorted() {
      out += "  \(name): \(setup.datasets[name]!.seed)\n"
    }
    out += "output: {file: \(quote(outputName)), sha256: \(outputDigest)}\n"
    out += "resolved:\n"
    let resolved = YAMLWriter.render(setup.resolved)
    for line in resolved.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
      out += line.isEmpty ? "\n" : "  \(line)\n"
    }
    return out
  }

  /// Differences between a lock and a checked recipe: one line per changed, added or removed input, and for
  /// different overrides. Empty when everything matches.
  public static func differences(lock path: String, setup: RunSetup) throws(DiagnosticError) -> [String] {
    let root = try YAMLReader.parse(contentsOf: path)
    guard root["lock_version"]?.intValue == 1, let recorded = root["digests"]?.sequence else {
      throw DiagnosticError(.error("run.lock", "'\(path)' is not a recipe.lock.yaml written by recast run", at: root.span))
    }
    var differences: [String] = []
    let lockedOverrides = root["overrides"]?.sequence?.compactMap(\.string) ?? []
    let overrides = setup.configuration.overrides.map(\.description)
    if lockedOverrides != overrides {
      differences.append(
        "overrides: the lock has [\(lockedOverrides.joined(separator: ", "))], this run [\(overrides.joined(separator: ", "))]")
    }
    var old: [String: (path: String, sha256: String)] = [:]
    var order: [String] = []
    for item in recorded {
      guard let key = item["key"]?.string, let digest = item["sha256"]?.string else { continue }
      old[key] = (item["path"]?.string ?? "", digest)
      order.append(key)
    }
    let now = try entries(setup)
    for entry in now {
      if let locked = old[entry.key] {
        if locked.sha256 != entry.sha256 {
          differences.append(
            "\(entry.key) '\(entry.path)' changed: the lock has sha256 \(locked.sha256), the file now \(entry.sha256)")
        }
      } else {
        differences.append("\(entry.key) '\(entry.path)' is new: the lock does not record it")
      }
    }
    let current = Set(now.map(\.key))
    for key in order where !current.contains(key) {
      differences.append("\(key) '\(old[key]!.path)' is in the lock but this run does not use it")
    }
    return differences
  }

  /// `target` relative to `folder` (`../recipes/x.yaml`).
  static func relativePath(from folder: URL, to target: URL) -> String {
    let base = folder.standardizedFileURL.pathComponents
    let path = target.standardizedFileURL.pathComponents
    var common = 0
    while common < base.count, common < path.count, base[common] == path[common] { common += 1 }
    let ups = Array(repeating: "..", count: base.count - common)
    return (ups + path[common...]).joined(separator: "/")
  }

  private static func quote(_ text: String) -> String { JSONWriter.quote(text) }
}
