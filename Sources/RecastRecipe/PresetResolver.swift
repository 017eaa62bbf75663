public import RecastDiagnostics
public import RecastYAML

/// Merges a document with the presets it extends, in order, then the document itself on top.
///
/// Maps merge key by key; any other value (scalar, list, or an explicit `null`) replaces the earlier
/// one. Presets may extend presets; a cycle is an error naming the files on it.
public struct PresetResolver: Sendable {
  public var library: PresetLibrary

  public init(library: PresetLibrary) { self.library = library }

  /// The merged document, or diagnostics when a preset is missing, malformed or part of a cycle.
  public func resolve(_ root: Node, file: String) -> (node: Node?, diagnostics: [Diagnostic]) {
    var diagnostics: [Diagnostic] = []
    let merged = resolve(root, file: file, chain: [file], diagnostics: &diagnostics)
    return (diagnostics.isEmpty ? merged : nil, diagnostics)
  }

  private func resolve(_ root: Node, file: String, chain: [String], diagnostics: inout [Diagnostic]) -> Node {
    var base: Node?
    for entry in PresetLibrary.extendsEntries(of: root) {
      guard let name = entry.string, let source = library.locate(name, from: file) else { continue }
      if let (first, second) = library.conflict(name, from: file) {
        diagnostics.append(
          .error(
            "preset.conflict", "preset '\(name)' is defined twice, differently: \(first.label) and \(second.label)",
            at: entry.span, help: "rename one of them, or extend it by path (e.g. './\(name).yaml')"))
        continue
      }
      if chain.contains(source.label) {
        diagnostics.append(
          .error(
            "preset.cycle", "preset '\(name)' extends itself: \((chain + [source.label]).joined(separator: " -> "))",
            at: entry.span))
        continue
      }
      do {
        let preset = try library.load(source)
        let resolved = resolve(preset, file: source.label, chain: chain + [source.label], diagnostics: &diagnostics)
        base = base.map { Self.merge($0, resolved) } ?? resolved
      } catch {
        diagnostics += error.diagnostics
      }
    }
    return base.map { Self.merge($0, root) } ?? root
  }

  /// `overlay` on top of `base`: mappings merge recursively, anything else replaces.
  public static func merge(_ base: Node, _ overlay: Node) -> Node {
    guard let basePairs = base.mapping, let overlayPairs = overlay.mapping else { return overlay }
    var pairs = basePairs
    for pair in overlayPairs {
      if let index = pairs.firstIndex(where: { $0.key.keyString == pair.key.keyString }) {
        pairs[index] = Pair(key: pair.key, value: merge(pairs[index].value, pair.value))
      } else {
        pairs.append(pair)
      }
    }
    var result = overlay
    result.kind = .mapping(pairs)
    return result
  }
}
