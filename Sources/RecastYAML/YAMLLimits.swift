/// Bounds that keep the YAML reader safe on hostile or accidental input.
///
/// Each limit produces its own diagnostic when exceeded: `yaml.depth-limit`, `yaml.alias-limit` and
/// `yaml.too-large`.
public struct YAMLLimits: Sendable, Hashable {
  /// The deepest allowed nesting of sequences and mappings (the root collection is depth 1).
  public var maxDepth: Int
  /// The most nodes the document may hold once every alias is counted as a full copy of its anchor.
  ///
  /// This is what rejects "billion laughs" documents: aliases are shared, not copied, but a consumer that
  /// walks the tree would still visit every expanded node.
  public var maxNodes: Int
  /// The largest accepted input, in bytes.
  public var maxBytes: Int

  public init(maxDepth: Int = 256, maxNodes: Int = 1_000_000, maxBytes: Int = 64 << 20) {
    self.maxDepth = maxDepth
    self.maxNodes = maxNodes
    self.maxBytes = maxBytes
  }

  /// Depth 256, one million nodes, 64 MiB.
  public static let `default` = YAMLLimits()
}
