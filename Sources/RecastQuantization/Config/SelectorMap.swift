/// An ordered list of `selector → value` entries, the shape of coreai-opt's `module_type_configs`,
/// `module_name_configs`, `op_type_config` and `op_name_config` (and of a tensor-spec map).
///
/// Order matters: when several selectors match the same module or op, the later entry wins. A `nil` value is an
/// explicit `null` (that scope, op or tensor is not quantized). Built from a dictionary literal, which keeps the
/// written order: `["torch.nn.modules.linear.Linear": .presets.w4(), "lm_head": nil]`.
public struct SelectorMap<Value: Sendable & Hashable>: Sendable, Hashable, ExpressibleByDictionaryLiteral {
  /// One `selector: value` pair.
  public struct Entry: Sendable, Hashable {
    /// The key as written: a full-match regular expression, an input index or a tensor name.
    public var selector: String
    /// The value; `nil` is an explicit `null`.
    public var value: Value?

    public init(selector: String, value: Value?) {
      self.selector = selector
      self.value = value
    }
  }

  /// The entries in written order.
  public var entries: [Entry]

  public init(_ entries: [Entry] = []) { self.entries = entries }

  public init(dictionaryLiteral elements: (String, Value?)...) {
    self.entries = elements.map { Entry(selector: $0.0, value: $0.1) }
  }

  /// True when there are no entries.
  public var isEmpty: Bool { entries.isEmpty }

  /// The selectors in written order.
  public var selectors: [String] { entries.map(\.selector) }

  /// The value of the entry whose key is exactly `selector` (`.some(nil)` for an explicit null), or `nil` when
  /// there is no such entry.
  public subscript(selector: String) -> Value?? {
    guard let entry = entries.last(where: { $0.selector == selector }) else { return nil }
    return .some(entry.value)
  }

  /// Sets `selector` to `value`: an existing entry keeps its position (like assigning a key of a Python `dict`),
  /// a new one is appended.
  public mutating func set(_ selector: String, _ value: Value?) {
    if let index = entries.firstIndex(where: { $0.selector == selector }) {
      entries[index].value = value
    } else {
      entries.append(Entry(selector: selector, value: value))
    }
  }
}
