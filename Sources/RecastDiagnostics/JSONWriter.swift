/// A minimal, deterministic JSON writer (keys in the order given) for machine-readable output.
public enum JSONWriter {
  public indirect enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object([(String, Value)])

    public static func == (lhs: Value, rhs: Value) -> Bool { render(lhs) == render(rhs) }
    public func hash(into hasher: inout Hasher) { hasher.combine(JSONWriter.render(self)) }
  }

  public static func render(_ value: Value, pretty: Bool = false) -> String {
    var out = ""
    write(value, into: &out, pretty: pretty, indent: 0)
    return out
  }

  private static func write(_ value: Value, into out: inout String, pretty: Bool, indent: Int) {
    let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
    let closePad = pretty ? String(repeating: "  ", count: indent) : ""
    let newline = pretty ? "\n" : ""
    switch value {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
      if d.isNaN || d.isInfinite {
        out += "null"
      } else if d == d.rounded(), abs(d) < 1e15 {
        out += String(Int(d)) + ".0"
      } else {
        out += "\(d)"
      }
    case .string(let s): out += quote(s)
    case .array(let items):
      if items.isEmpty { out += "[]"; return }
      out += "[" + newline
      for (i, item) in items.enumerated() {
        out += pad
        write(item, into: &out, pretty: pretty, indent: indent + 1)
        out += (i + 1 < items.count ? "," : "") + newline
      }
      out += closePad + "]"
    case .object(let fields):
      if fields.isEmpty { out += "{}"; return }
      out += "{" + newline
      for (i, (key, item)) in fields.enumerated() {
        out += pad + quote(key) + (pretty ? ": " : ":")
        write(item, into: &out, pretty: pretty, indent: indent + 1)
        out += (i + 1 < fields.count ? "," : "") + newline
      }
      out += closePad + "}"
    }
  }

  /// A JSON string literal with the mandatory escapes.
  public static func quote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
