public import RecastDiagnostics

/// A node of a YAML (or JSON) document with the span it came from.
///
/// Aliases are resolved when the tree is built: an alias node is a copy of its anchor's node whose
/// `span` is the alias's own position and whose `aliasOf` points at the anchor.
public struct Node: Sendable {
  public enum Kind: Sendable {
    case scalar(Scalar)
    case sequence([Node])
    case mapping([Pair])
  }

  public var kind: Kind
  public var span: SourceSpan
  /// The explicit tag (`!!str`, `!custom`), or nil when the node is untagged.
  public var tag: String?
  public var anchor: String?
  /// Presentation style: for scalars how they were quoted, for collections block or flow.
  public var style: Style
  /// For a node reached through an alias, the span of the anchored node it copies.
  public var aliasOf: SourceSpan?

  public init(kind: Kind, span: SourceSpan, tag: String? = nil, anchor: String? = nil, style: Style = .plain,
              aliasOf: SourceSpan? = nil) {
    self.kind = kind
    self.span = span
    self.tag = tag
    self.anchor = anchor
    self.style = style
    self.aliasOf = aliasOf
  }
}

/// How a node was written.
public enum Style: String, Sendable, Hashable {
  case plain, singleQuoted, doubleQuoted, literal, folded
  case block, flow
}

/// A scalar's source text and its value under the YAML 1.2 core schema (quoted scalars stay strings).
public struct Scalar: Sendable, Hashable {
  public var text: String
  public var value: ScalarValue

  public init(text: String, value: ScalarValue) {
    self.text = text
    self.value = value
  }
}

/// The resolved value of a scalar.
public enum ScalarValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int)
  /// Floats, and integers too large for `Int`.
  case float(Double)
  case string(String)
}

/// A key/value entry of a mapping, in document order.
public struct Pair: Sendable {
  public var key: Node
  public var value: Node

  public init(key: Node, value: Node) {
    self.key = key
    self.value = value
  }
}

extension Node {
  public var scalar: Scalar? {
    if case .scalar(let s) = kind { return s }
    return nil
  }

  public var sequence: [Node]? {
    if case .sequence(let items) = kind { return items }
    return nil
  }

  public var mapping: [Pair]? {
    if case .mapping(let pairs) = kind { return pairs }
    return nil
  }

  public var isNull: Bool { scalar?.value == .null }

  /// The string value of a string scalar (not of a number or bool written plainly).
  public var string: String? {
    if case .string(let s)? = scalar?.value { return s }
    return nil
  }

  /// The text of a scalar used as a mapping key or property name: a key `0:` and a key `"0":` both
  /// give `"0"`; `null`/`~` keys give their text. Nil for collection keys.
  public var keyString: String? {
    guard let scalar else { return nil }
    switch scalar.value {
    case .string(let s): return s
    case .int(let i): return String(i)
    default: return scalar.text
    }
  }

  /// The value for `key` in a mapping node (the last one if a key repeats), or nil.
  public subscript(key: String) -> Node? {
    mapping?.last { $0.key.keyString == key }?.value
  }

  /// A short name for the node's JSON type, for messages: null, boolean, integer, number, string, array, object.
  public var typeName: String {
    switch kind {
    case .sequence: return "array"
    case .mapping: return "object"
    case .scalar(let s):
      switch s.value {
      case .null: return "null"
      case .bool: return "boolean"
      case .int: return "integer"
      case .float: return "number"
      case .string: return "string"
      }
    }
  }
}
