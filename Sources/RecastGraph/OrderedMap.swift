/// A dictionary that remembers insertion order: node attributes, initializers, metadata and opset imports keep
/// the order they had in the file, so export is deterministic and faithful.
///
/// Lookup is O(1) through a key → position index; removal is O(n).
public struct OrderedMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
  public private(set) var keys: [Key] = []
  public private(set) var values: [Value] = []
  private var positions: [Key: Int] = [:]

  public init() {}

  /// Entries in the given order; a repeated key keeps its first position and its last value.
  public init<S: Sequence>(_ entries: S) where S.Element == (Key, Value) {
    for (key, value) in entries { self[key] = value }
  }

  public var count: Int { keys.count }
  public var isEmpty: Bool { keys.isEmpty }

  /// The value for `key`; assigning `nil` removes the entry, assigning a new key appends it.
  public subscript(key: Key) -> Value? {
    get { positions[key].map { values[$0] } }
    set {
      if let value = newValue {
        if let position = positions[key] {
          values[position] = value
        } else {
          positions[key] = keys.count
          keys.append(key)
          values.append(value)
        }
      } else {
        removeValue(forKey: key)
      }
    }
  }

  /// The position of `key` in the order, if present.
  public func index(forKey key: Key) -> Int? { positions[key] }

  /// Whether `key` is present.
  public func contains(_ key: Key) -> Bool { positions[key] != nil }

  /// Inserts or replaces `value` for `key` at `position` (moving the key if it was elsewhere).
  public mutating func insert(_ value: Value, forKey key: Key, at position: Int) {
    removeValue(forKey: key)
    keys.insert(key, at: position)
    values.insert(value, at: position)
    reindex(from: position)
  }

  /// Removes the entry for `key` and returns its value.
  @discardableResult
  public mutating func removeValue(forKey key: Key) -> Value? {
    guard let position = positions.removeValue(forKey: key) else { return nil }
    keys.remove(at: position)
    let value = values.remove(at: position)
    reindex(from: position)
    return value
  }

  /// Renames `key` to `newKey` in place, keeping its position. Returns false if `key` is absent.
  /// If `newKey` already exists elsewhere, that other entry is removed.
  @discardableResult
  public mutating func renameKey(_ key: Key, to newKey: Key) -> Bool {
    guard key != newKey else { return positions[key] != nil }
    guard var position = positions[key] else { return false }
    if let other = positions[newKey] {
      removeValue(forKey: newKey)
      if other < position { position -= 1 }
    }
    positions[key] = nil
    keys[position] = newKey
    positions[newKey] = position
    return true
  }

  /// Keeps the entries for which `isIncluded` is true, in order.
  public func filter(_ isIncluded: (Key, Value) throws -> Bool) rethrows -> OrderedMap {
    var result = OrderedMap()
    for (key, value) in self where try isIncluded(key, value) { result[key] = value }
    return result
  }

  /// The same keys with transformed values.
  public func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> OrderedMap<Key, T> {
    var result = OrderedMap<Key, T>()
    for (key, value) in self { result[key] = try transform(value) }
    return result
  }

  private mutating func reindex(from start: Int) {
    for position in start..<keys.count { positions[keys[position]] = position }
  }
}

extension OrderedMap: RandomAccessCollection {
  public typealias Element = (key: Key, value: Value)
  public var startIndex: Int { 0 }
  public var endIndex: Int { keys.count }
  public subscript(position: Int) -> Element { (keys[position], values[position]) }
}

extension OrderedMap: ExpressibleByDictionaryLiteral {
  public init(dictionaryLiteral elements: (Key, Value)...) { self.init(elements) }
}

extension OrderedMap: Equatable where Value: Equatable {
  /// Same entries in the same order.
  public static func == (lhs: OrderedMap, rhs: OrderedMap) -> Bool {
    lhs.keys == rhs.keys && lhs.values == rhs.values
  }
}

extension OrderedMap: CustomStringConvertible {
  public var description: String {
    "[" + map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]"
  }
}
