import RecastDiagnostics

/// Builds a `Node` tree from libyaml events without recursion: open collections live on an explicit stack,
/// so input depth costs heap, not call stack (and is bounded by `YAMLLimits.maxDepth`).
///
/// Along the way it resolves scalars, copies aliases, applies `<<` merge keys, rejects duplicate keys and
/// counts nodes as if every alias were expanded.
struct TreeBuilder {
  /// A sequence or mapping whose end event has not arrived yet.
  private struct Frame {
    enum Content {
      case sequence([Node])
      case mapping([Pair], pendingKey: Node?)
    }

    var content: Content
    var start: SourceSpan
    var tag: String?
    var anchor: String?
    var style: Style
    /// Nodes in this subtree, counting the collection itself and each alias as a full copy.
    var count = 1
  }

  /// A node that an alias can refer to, with its expanded size.
  private struct Anchored {
    var node: Node
    var count: Int
  }

  private let limits: YAMLLimits
  private var frames: [Frame] = []
  private var anchors: [String: Anchored] = [:]
  private var nodeCount = 0
  private var root: Node?
  private var firstDocument: SourceSpan?

  init(limits: YAMLLimits) {
    self.limits = limits
  }

  /// Consumes every event of the stream and returns the single document's root node.
  ///
  /// An empty stream (no bytes, only whitespace or only comments) yields a null scalar with empty text and a
  /// zero-width span at the start of the input, which is the same value a lone `---` gives.
  mutating func build(from reader: inout EventReader, emptySpan: SourceSpan) throws(DiagnosticError) -> Node {
    while true {
      switch try reader.next() {
      case .streamStart, .documentEnd:
        continue
      case .streamEnd:
        return root ?? Node(kind: .scalar(Scalar(text: "", value: .null)), span: emptySpan)
      case .documentStart(let span):
        guard let first = firstDocument else {
          firstDocument = span
          continue
        }
        var diagnostic = Diagnostic.error(
          "yaml.multiple-documents", "a recipe file holds one YAML document; found a second one", at: span,
          help: "split the documents into separate files")
        diagnostic.notes.append(.init("the first document starts here", span: first))
        throw DiagnosticError(diagnostic)
      case .scalar(let text, let properties, let style, let span):
        let node = try Self.scalarNode(text: text, properties: properties, style: style, span: span)
        try count(1, at: span)
        if let anchor = properties.anchor { anchors[anchor] = Anchored(node: node, count: 1) }
        attach(node, count: 1)
      case .alias(let name, let span):
        let anchored = try lookUp(alias: name, at: span)
        var node = anchored.node
        node.span = span
        node.anchor = nil
        node.aliasOf = anchored.node.span
        try count(anchored.count, at: span)
        attach(node, count: anchored.count)
      case .sequenceStart(let properties, let style, let span):
        try open(.sequence([]), properties: properties, style: style, span: span)
      case .mappingStart(let properties, let style, let span):
        try open(.mapping([], pendingKey: nil), properties: properties, style: style, span: span)
      case .sequenceEnd(let span), .mappingEnd(let span):
        try close(endSpan: span)
      }
    }
  }

  private mutating func open(
    _ content: Frame.Content, properties: Event.Properties, style: Style,
    span: SourceSpan
  ) throws(DiagnosticError) {
    let depth = frames.count + 1
    if depth > limits.maxDepth {
      throw DiagnosticError(
        .error(
          "yaml.depth-limit", "nesting depth \(depth) exceeds the limit of \(limits.maxDepth)", at: span,
          help: "flatten the document; sequences and mappings may nest at most \(limits.maxDepth) deep"))
    }
    try count(1, at: span)
    frames.append(
      Frame(content: content, start: span, tag: Self.shortTag(properties.tag), anchor: properties.anchor, style: style))
  }

  private mutating func close(endSpan: SourceSpan) throws(DiagnosticError) {
    let frame = frames.removeLast()
    let span = SourceSpan(file: frame.start.file, start: frame.start.start, end: endSpan.end)
    let kind: Node.Kind
    switch frame.content {
    case .sequence(let items):
      kind = .sequence(items)
      try Self.checkCollectionTag(frame.tag, expected: "!!seq", span: frame.start)
    case .mapping(let pairs, _):
      try Self.checkDuplicateKeys(pairs)
      kind = .mapping(try MergeKeys.apply(to: pairs))
      try Self.checkCollectionTag(frame.tag, expected: "!!map", span: frame.start)
    }
    let node = Node(kind: kind, span: span, tag: frame.tag, anchor: frame.anchor, style: frame.style)
    if let anchor = frame.anchor { anchors[anchor] = Anchored(node: node, count: frame.count) }
    attach(node, count: frame.count)
  }

  /// Adds a finished node to the innermost open collection, or makes it the root.
  private mutating func attach(_ node: Node, count: Int) {
    guard !frames.isEmpty else {
      root = node
      return
    }
    frames[frames.count - 1].count += count
    switch frames[frames.count - 1].content {
    case .sequence(var items):
      frames[frames.count - 1].content = .sequence([])  // release the array so the append does not copy it
      items.append(node)
      frames[frames.count - 1].content = .sequence(items)
    case .mapping(var pairs, let key?):
      frames[frames.count - 1].content = .mapping([], pendingKey: nil)
      pairs.append(Pair(key: key, value: node))
      frames[frames.count - 1].content = .mapping(pairs, pendingKey: nil)
    case .mapping(let pairs, nil):
      frames[frames.count - 1].content = .mapping(pairs, pendingKey: node)
    }
  }

  /// Counts `n` more nodes toward `YAMLLimits.maxNodes`.
  private mutating func count(_ n: Int, at span: SourceSpan) throws(DiagnosticError) {
    nodeCount += n
    guard nodeCount > limits.maxNodes else { return }
    throw DiagnosticError(
      .error(
        "yaml.alias-limit",
        "the document expands to more than \(limits.maxNodes) nodes when aliases are expanded", at: span,
        help: "an alias counts as a full copy of its anchored node; nested aliases multiply"))
  }

  private func lookUp(alias name: String, at span: SourceSpan) throws(DiagnosticError) -> Anchored {
    if let anchored = anchors[name] { return anchored }
    if let open = frames.last(where: { $0.anchor == name }) {
      var diagnostic = Diagnostic.error(
        "yaml.unknown-alias", "alias '*\(name)' refers to a node that contains it", at: span)
      diagnostic.notes.append(.init("anchor '&\(name)' is defined here", span: open.start))
      throw DiagnosticError(diagnostic)
    }
    let known = Set(anchors.keys).union(frames.compactMap(\.anchor))
    throw DiagnosticError(
      .error(
        "yaml.unknown-alias", "unknown alias '*\(name)'; no anchor '&\(name)' is defined before it", at: span,
        help: didYouMean(name, among: known.sorted())))
  }

  /// Explicit (non-merged) keys must be unique as YAML values: `16` and `0x10` are the same key, while
  /// `0` (an integer) and `"0"` (a string) are different keys — the recipe layer, which reads both as
  /// index 0, reports that pair itself.
  private static func checkDuplicateKeys(_ pairs: [Pair]) throws(DiagnosticError) {
    guard pairs.count > 1 else { return }
    var seen: [ScalarValue: SourceSpan] = [:]
    seen.reserveCapacity(pairs.count)
    for pair in pairs {
      guard let key = pair.key.scalar else { continue }
      if let first = seen[key.value] {
        let text = pair.key.keyString ?? key.text
        var diagnostic = Diagnostic.error("yaml.duplicate-key", "duplicate key '\(text)' in mapping", at: pair.key.span)
        diagnostic.notes.append(.init("'\(text)' is first defined here", span: first))
        throw DiagnosticError(diagnostic)
      }
      seen[key.value] = pair.key.span
    }
  }

  private static func scalarNode(
    text: String, properties: Event.Properties, style: Style,
    span: SourceSpan
  ) throws(DiagnosticError) -> Node {
    let tag = shortTag(properties.tag)
    try checkStandardTag(tag, span: span)
    var value: ScalarValue
    if let tag {
      do {
        value = try ScalarResolver.resolve(text, coreTag: tag) ?? .string(text)
      } catch {
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        throw DiagnosticError(
          .error("yaml.tag", "'\(shown)' is not \(error.expected), but it is tagged \(tag)", at: span))
      }
    } else {
      value = style == .plain ? ScalarResolver.resolvePlain(text) : .string(text)
    }
    return Node(
      kind: .scalar(Scalar(text: text, value: value)), span: span, tag: tag, anchor: properties.anchor,
      style: style)
  }

  /// Core scalar tags are wrong on a collection, and `!!seq`/`!!map` must match the collection's kind.
  private static func checkCollectionTag(_ tag: String?, expected: String, span: SourceSpan) throws(DiagnosticError) {
    try checkStandardTag(tag, span: span)
    guard let tag, tag != expected else { return }
    let coreTags: Set = ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!seq", "!!map"]
    guard coreTags.contains(tag) else { return }
    let what = expected == "!!seq" ? "a sequence" : "a mapping"
    throw DiagnosticError(.error("yaml.tag", "\(what) cannot be tagged \(tag)", at: span))
  }

  /// Tags of the YAML core schema that Recast honours; any other `!!` tag (`!!python/object`, `!!timestamp`)
  /// asks for a type Recast does not construct, and is an error rather than being silently ignored.
  static let supportedStandardTags: Set = ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!seq", "!!map", "!!merge"]

  static func checkStandardTag(_ tag: String?, span: SourceSpan) throws(DiagnosticError) {
    guard let tag, tag.hasPrefix("!!"), !supportedStandardTags.contains(tag) else { return }
    throw DiagnosticError(
      .error(
        "yaml.tag", "unsupported tag '\(tag)'; Recast reads plain YAML data and constructs no other types", at: span,
        help: "remove the tag; the core tags !!str, !!int, !!float, !!bool, !!null, !!seq and !!map are accepted"))
  }

  /// `tag:yaml.org,2002:int` → `!!int`; any other tag as libyaml reports it after handle expansion (a
  /// non-specific `!` stays `!` and, like quoting, makes the scalar a string).
  static func shortTag(_ tag: String?) -> String? {
    guard let tag else { return nil }
    let prefix = "tag:yaml.org,2002:"
    if tag.hasPrefix(prefix) { return "!!" + tag.dropFirst(prefix.count) }
    return tag
  }
}
