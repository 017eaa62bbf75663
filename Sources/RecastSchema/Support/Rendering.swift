internal import RecastYAML

/// Short renderings of values for messages.
enum Rendering {
  /// A value as it appears in a list of allowed values: strings bare, others as compact JSON.
  static func listed(_ node: Node) -> String {
    if let string = node.string { return string }
    return json(node)
  }

  /// A found value: strings quoted (`'int7'`), scalars as JSON, collections by kind.
  static func found(_ node: Node) -> String {
    switch node.kind {
    case .scalar(let scalar):
      if case .string(let s) = scalar.value { return "'\(truncated(s))'" }
      return json(node)
    case .sequence(let items): return items.isEmpty ? "an empty array" : "an array"
    case .mapping(let pairs): return pairs.isEmpty ? "an empty object" : "an object"
    }
  }

  /// A required value (`const`): strings quoted, others as compact JSON.
  static func expected(_ node: Node) -> String {
    if let string = node.string { return "'\(truncated(string))'" }
    return json(node)
  }

  /// A list of allowed values, cut after `limit` entries.
  static func list(_ values: [String], limit: Int = 12) -> String {
    if values.count <= limit { return values.joined(separator: ", ") }
    return values.prefix(limit).joined(separator: ", ") + ", … (\(values.count) in all)"
  }

  /// Compact JSON text of a node, truncated for messages.
  static func json(_ node: Node) -> String {
    var out = ""
    write(node, to: &out)
    return truncated(out)
  }

  static func truncated(_ text: String, limit: Int = 60) -> String {
    text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
  }

  private static func write(_ node: Node, to out: inout String) {
    if out.count > 80 { return }
    switch node.kind {
    case .scalar(let scalar):
      switch scalar.value {
      case .null: out += "null"
      case .bool(let b): out += b ? "true" : "false"
      case .int(let i): out += String(i)
      case .float(let d): out += d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) + ".0" : String(d)
      case .string(let s): out += "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
      }
    case .sequence(let items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += ", " }
        write(item, to: &out)
      }
      out += "]"
    case .mapping(let pairs):
      out += "{"
      for (i, pair) in pairs.enumerated() {
        if i > 0 { out += ", " }
        out += "\"\(pair.key.keyString ?? "?")\": "
        write(pair.value, to: &out)
      }
      out += "}"
    }
  }
}
