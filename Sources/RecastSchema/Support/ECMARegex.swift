internal import Foundation

/// An ECMA-262 regular expression (the dialect JSON Schema's `pattern` uses), compiled once for ICU.
///
/// The translation keeps ECMA meaning where the dialects differ: `\d` and `\w` are ASCII-only, `$` matches
/// only at the very end, `[^]` matches anything, and `[` or `&` inside a class are literal.
/// Matching is a search (unanchored), as `pattern` requires.
struct ECMARegex: @unchecked Sendable {  // NSRegularExpression is immutable and documented thread-safe.
  let source: String
  private let regex: NSRegularExpression

  /// Compiles `source`, or throws a message describing why it is not a usable pattern.
  init(_ source: String) throws(ECMARegexError) {
    self.source = source
    do {
      regex = try NSRegularExpression(pattern: Self.translate(source), options: [])
    } catch {
      throw ECMARegexError(message: "'\(source)' is not a valid regular expression")
    }
  }

  /// True when the pattern matches somewhere in `text`.
  func matches(_ text: String) -> Bool {
    regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)) != nil
  }

  /// Rewrites ECMA-262 syntax into ICU syntax.
  static func translate(_ source: String) -> String {
    let chars = Array(source)
    var out = ""
    var i = 0
    var inClass = false
    while i < chars.count {
      let c = chars[i]
      if c == "\\", i + 1 < chars.count {
        let e = chars[i + 1]
        i += 2
        switch (e, inClass) {
        case ("d", false): out += "[0-9]"
        case ("D", false): out += "[^0-9]"
        case ("w", false): out += "[A-Za-z0-9_]"
        case ("W", false): out += "[^A-Za-z0-9_]"
        case ("d", true): out += "0-9"
        case ("w", true): out += "A-Za-z0-9_"
        case ("u", _) where i < chars.count && chars[i] == "{":
          out += "\\x{"
          i += 1
        default:
          out.append("\\")
          out.append(e)
        }
        continue
      }
      i += 1
      if inClass {
        switch c {
        case "]":
          inClass = false
          out.append(c)
        case "[", "&": out += "\\" + String(c)
        default: out.append(c)
        }
        continue
      }
      switch c {
      case "[":
        if i + 1 < chars.count, chars[i] == "^", chars[i + 1] == "]" {
          out += "[\\s\\S]"
          i += 2
        } else if i < chars.count, chars[i] == "]" {
          out += "(?!)"
          i += 1
        } else {
          inClass = true
          out.append(c)
          if i < chars.count, chars[i] == "^" {
            out.append("^")
            i += 1
          }
          if i < chars.count, chars[i] == "]" {  // unreachable after the checks above; kept for clarity
            out += "\\]"
            i += 1
          }
        }
      case "$": out += "(?!(?s:.))"
      default: out.append(c)
      }
    }
    return out
  }
}

/// Why a pattern could not be compiled.
struct ECMARegexError: Error {
  var message: String
}
