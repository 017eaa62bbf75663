import ArgumentParser
import Foundation
import RecastDiagnostics
import RecastRecipe
import RecastYAML

/// `recast presets list|show|diff`: the preset library.
struct Presets: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List, show and compare presets (built-in and on the preset path).",
    subcommands: [List.self, Show.self, Diff.self]
  )

  struct Library: ParsableArguments {
    @Option(name: .customLong("preset-path"), help: "A directory of presets (repeatable; searched before RECAST_PRESET_PATH).")
    var presetPath: [String] = []

    var library: PresetLibrary { PresetLibrary(directories: presetPath) }

    /// Presets are looked up as a recipe in the current directory would see them.
    var referrer: String { FileManager.default.currentDirectoryPath + "/<command line>" }

    /// A preset resolved through its `extends`, or a rendered error.
    func resolve(_ name: String) throws -> (source: PresetSource, node: RecastYAML.Node) {
      let library = self.library
      if let (first, second) = library.conflict(name, from: referrer) {
        throw failure("preset '\(name)' is defined twice, differently: \(first.label) and \(second.label)")
      }
      guard let source = library.locate(name, from: referrer) else {
        let known = library.names(from: referrer)
        throw failure("unknown preset '\(name)'; known: \(known.joined(separator: ", "))")
      }
      do {
        let root = try library.load(source)
        let resolved = PresetResolver(library: library).resolve(root, file: source.label)
        guard let node = resolved.node else { throw DiagnosticError(resolved.diagnostics) }
        return (source, node)
      } catch let error as DiagnosticError {
        FileHandle.standardError.write(Data(DiagnosticRenderer().render(error.diagnostics, format: .text).utf8))
        throw ExitCode(1)
      }
    }

    private func failure(_ message: String) -> any Error {
      FileHandle.standardError.write(Data("recast: \(message)\n".utf8))
      return ExitCode(1)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every preset: name, version, source and description.")

    @OptionGroup var options: Library

    func run() throws {
      let library = options.library
      var rows: [(String, String, String, String)] = []
      var conflicts: [String] = []
      for name in library.names(from: options.referrer) {
        guard let source = library.locate(name, from: options.referrer) else { continue }
        if let (first, second) = library.conflict(name, from: options.referrer) {
          conflicts.append("preset '\(name)' is defined twice, differently: \(first.label) and \(second.label)")
        }
        let root = try? library.load(source)
        let description = root?["description"]?.string?.split(separator: "\n").first.map(String.init) ?? ""
        rows.append((name, root?["version"]?.string ?? "", source.label, description))
      }
      let widths = (rows.map(\.0.count).max() ?? 4, rows.map(\.1.count).max() ?? 7, rows.map(\.2.count).max() ?? 6)
      for row in rows {
        print(
          row.0.padding(toLength: widths.0 + 2, withPad: " ", startingAt: 0)
            + row.1.padding(toLength: widths.1 + 2, withPad: " ", startingAt: 0)
            + row.2.padding(toLength: widths.2 + 2, withPad: " ", startingAt: 0) + row.3)
      }
      if !conflicts.isEmpty {
        FileHandle.standardError.write(Data(conflicts.map { "error: \($0)\n" }.joined().utf8))
        throw ExitCode(1)
      }
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a preset resolved through its extends, each value with the file and line it came from.")

    @Argument(help: "A preset name or path.")
    var name: String

    @Flag(help: "Print the resolved preset as plain YAML (no origins).")
    var yaml = false

    @OptionGroup var options: Library

    func run() throws {
      let (source, node) = try options.resolve(name)
      if yaml {
        print(YAMLWriter.render(node), terminator: "")
        return
      }
      print("# \(name) (\(source.label)), resolved; each value with where it was written")
      let leaves = PresetFlattening.leaves(node)
      let width = min(leaves.map { $0.key.count + $0.value.count + 2 }.max() ?? 0, 90)
      for leaf in leaves {
        let text = "\(leaf.key): \(leaf.value)"
        print(text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) + "  # \(leaf.origin)")
      }
    }
  }

  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare two presets after resolving their extends: values only in one, and values that differ.")

    @Argument(help: "The first preset (name or path).")
    var first: String

    @Argument(help: "The second preset (name or path).")
    var second: String

    @OptionGroup var options: Library

    func run() throws {
      let a = PresetFlattening.leaves(try options.resolve(first).node)
      let b = PresetFlattening.leaves(try options.resolve(second).node)
      let ignored: Set<String> = ["name", "version", "description", "extends"]
      let left = Dictionary(a.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
      let right = Dictionary(b.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
      var keys = a.map(\.key)
      for leaf in b where left[leaf.key] == nil { keys.append(leaf.key) }
      var lines: [String] = []
      for key in keys where !ignored.contains(key) && !ignored.contains(where: { key.hasPrefix($0 + ".") }) {
        switch (left[key], right[key]) {
        case let (x?, y?) where x.value != y.value:
          lines.append("- \(key): \(x.value)    # \(x.origin)")
          lines.append("+ \(key): \(y.value)    # \(y.origin)")
        case let (x?, nil):
          lines.append("- \(key): \(x.value)    # \(x.origin)")
        case let (nil, y?):
          lines.append("+ \(key): \(y.value)    # \(y.origin)")
        default: break
        }
      }
      print("--- \(first)\n+++ \(second)")
      print(lines.isEmpty ? "(no differences in quantization settings)" : lines.joined(separator: "\n"))
    }
  }
}

/// A resolved preset as one line per value: dotted key path, value, and the file:line it was written at.
enum PresetFlattening {
  struct Leaf {
    var key: String
    var value: String
    var origin: String
  }

  static func leaves(_ node: RecastYAML.Node) -> [Leaf] {
    var out: [Leaf] = []
    walk(node, path: [], into: &out)
    return out
  }

  private static func walk(_ node: RecastYAML.Node, path: [String], into out: inout [Leaf]) {
    let origin = "\(node.span.file):\(node.span.start.line)"
    switch node.kind {
    case .mapping(let pairs) where !pairs.isEmpty:
      for pair in pairs { walk(pair.value, path: path + [pair.key.keyString ?? "?"], into: &out) }
    case .sequence(let items) where !items.isEmpty && items.allSatisfy({ $0.scalar != nil }):
      out.append(Leaf(key: key(path), value: "[" + items.map(text).joined(separator: ", ") + "]", origin: origin))
    case .sequence(let items) where !items.isEmpty:
      for (index, item) in items.enumerated() { walk(item, path: path + [String(index)], into: &out) }
    default:
      out.append(Leaf(key: key(path), value: text(node), origin: origin))
    }
  }

  private static func key(_ path: [String]) -> String {
    path.map { $0.contains(".") || $0.contains("*") || $0.isEmpty ? "\"\($0)\"" : $0 }.joined(separator: ".")
  }

  private static func text(_ node: RecastYAML.Node) -> String {
    switch node.kind {
    case .scalar(let scalar): scalar.value == .null ? "null" : scalar.text
    case .mapping: "{}"
    case .sequence: "[]"
    }
  }
}
