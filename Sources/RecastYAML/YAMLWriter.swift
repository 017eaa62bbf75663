/// Renders a `Node` tree as block-style YAML, deterministically.
///
/// The output reads back (with `YAMLReader`) to the same structure and values: strings that would otherwise
/// resolve to null, bool or a number, or that hold characters with meaning in YAML, are double-quoted; floats
/// are written so they resolve as floats (`1.0`, `.inf`, `.nan`). Empty collections are written in flow style
/// (`{}`, `[]`). Aliases are written out in full (anchors are not emitted), as are merged keys; tags other than
/// the core schema's are kept. Mapping keys keep document order.
public enum YAMLWriter {
  /// The YAML text of `node`, ending with a newline.
  public static func render(_ node: Node) -> String {
    var out = ""
    let properties = tagText(node.tag)
    if let inline = inlineText(node) {
      out += (properties.map { $0 + " " } ?? "") + inline
    } else {
      if let properties { out += properties + "\n" }
      writeBlock(node, indent: 0, into: &out)
    }
    out += "\n"
    return out
  }

  /// Keys longer than this use the explicit `? key` form (libyaml limits implicit keys to 1024 characters).
  private static let maxImplicitKeyLength = 1000

  /// Writes a non-empty collection whose first line starts at the cursor, already at column `indent`.
  private static func writeBlock(_ node: Node, indent: Int, into out: inout String) {
    let pad = String(repeating: " ", count: indent)
    switch node.kind {
    case .scalar:
      out += inlineText(node) ?? ""
    case .sequence(let items):
      for (i, item) in items.enumerated() {
        if i > 0 { out += "\n" + pad }
        out += "-"
        writeValue(item, indent: indent + 2, compact: true, into: &out)
      }
    case .mapping(let pairs):
      for (i, pair) in pairs.enumerated() {
        if i > 0 { out += "\n" + pad }
        if let key = implicitKeyText(pair.key) {
          out += key + ":"
        } else {
          out += "?"
          writeValue(pair.key, indent: indent + 2, compact: true, into: &out)
          out += "\n" + pad + ":"
        }
        writeValue(pair.value, indent: indent + 2, compact: false, into: &out)
      }
    }
  }

  /// Writes what follows `-`, `?` or `key:`: a space and an inline value, or a block collection. A `compact`
  /// block (after `-` or `?`) starts on the indicator's own line; otherwise it starts on the next line.
  private static func writeValue(_ node: Node, indent: Int, compact: Bool, into out: inout String) {
    let properties = tagText(node.tag)
    if let inline = inlineText(node) {
      out += " " + (properties.map { $0 + " " } ?? "") + inline
      return
    }
    let pad = String(repeating: " ", count: indent)
    if let properties {
      out += " " + properties + "\n" + pad
    } else if compact {
      out += " "
    } else {
      out += "\n" + pad
    }
    writeBlock(node, indent: indent, into: &out)
  }

  /// The single-line text of a scalar or an empty collection; nil for a non-empty collection.
  private static func inlineText(_ node: Node) -> String? {
    switch node.kind {
    case .scalar(let scalar): return scalarText(scalar.value)
    case .sequence(let items): return items.isEmpty ? "[]" : nil
    case .mapping(let pairs): return pairs.isEmpty ? "{}" : nil
    }
  }

  /// The text of a key that can be written as `key:`, or nil when it needs the explicit `? key` form.
  private static func implicitKeyText(_ key: Node) -> String? {
    guard let text = inlineText(key), key.sequence == nil, key.mapping == nil,
      text.unicodeScalars.count <= maxImplicitKeyLength
    else { return nil }
    if MergeKeys.isMergeKey(key) { return "<<" }
    return (tagText(key.tag).map { $0 + " " } ?? "") + text
  }

  /// A scalar value as YAML text that resolves back to the same value.
  static func scalarText(_ value: ScalarValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .float(let d):
      if d.isNaN { return ".nan" }
      if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
      return d.description
    case .string(let s):
      return isPlainSafe(s) ? s : doubleQuoted(s)
    }
  }

  /// The tag to write before a node, or nil when the value already implies it (core tags, `!`).
  private static func tagText(_ tag: String?) -> String? {
    guard let tag, tag != "!" else { return nil }
    let implied: Set = ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!seq", "!!map", "!!merge"]
    if implied.contains(tag) { return nil }
    let simple = tag.dropFirst(tag.hasPrefix("!!") ? 2 : 1).unicodeScalars.allSatisfy {
      $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
    }
    return tag.hasPrefix("!") && simple && tag.count > 1 ? tag : "!<\(tag)>"
  }

  /// Words that YAML 1.1 readers (PyYAML, older libraries) take as booleans; quoted so they stay strings there.
  private static let yaml11Booleans: Set = ["y", "n", "yes", "no", "on", "off"]

  /// True when `s` can be written as a plain scalar and still read back as this exact string — by this
  /// reader, and by YAML 1.1 readers too (so `yes` and number-like text such as `1_000` are quoted).
  static func isPlainSafe(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
    guard case .string = ScalarResolver.resolvePlain(s), s != "<<", !s.hasPrefix("...") else { return false }
    if yaml11Booleans.contains(s.lowercased()) || startsLikeANumber(s) { return false }
    if "-?:,[]{}#&*!|>'\"%@`<=~ ".unicodeScalars.contains(first) || last == " " || last == ":" { return false }
    var previous: Unicode.Scalar = " "
    for c in s.unicodeScalars {
      if !isPrintable(c) || c == "\t" || c == "\u{2028}" || c == "\u{2029}" { return false }  // breaks in YAML 1.1
      if c == "#" && previous == " " { return false }
      if previous == ":" && c == " " { return false }
      if ",[]{}".unicodeScalars.contains(c) { return false }  // harmless in block context; quoted for readers
      previous = c
    }
    return true
  }

  /// A digit first, or a sign or dot followed by a digit.
  private static func startsLikeANumber(_ s: String) -> Bool {
    let head = Array(s.utf8.prefix(2))
    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    if isDigit(head[0]) { return true }
    let lead = head[0] == UInt8(ascii: "+") || head[0] == UInt8(ascii: ".")
    return lead && head.count == 2 && isDigit(head[1])
  }

  /// `s` in double quotes with YAML escapes for quotes, backslashes and non-printable characters.
  static func doubleQuoted(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\0": out += "\\0"
      case "\t": out += "\\t"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\u{1B}": out += "\\e"
      case "\u{85}": out += "\\N"
      case "\u{2028}": out += "\\L"
      case "\u{2029}": out += "\\P"
      default:
        if isPrintable(c) {
          out.unicodeScalars.append(c)
        } else if c.value <= 0xFF {
          out += "\\x" + hex(c.value, digits: 2)
        } else {
          out += "\\u" + hex(c.value, digits: 4)
        }
      }
    }
    return out + "\""
  }

  /// Printable in the YAML sense, minus the byte order mark.
  private static func isPrintable(_ c: Unicode.Scalar) -> Bool {
    switch c.value {
    case 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFEFE, 0xFF00...0xFFFD, 0x10000...0x10FFFF: return true
    default: return false
    }
  }

  private static func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
  }
}
