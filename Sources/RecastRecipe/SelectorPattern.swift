import Foundation

/// A selector: a regular expression that must match a whole module or op name (like `re.fullmatch`).
public struct SelectorPattern: @unchecked Sendable {
  // @unchecked: `Regex<AnyRegexOutput>` is not Sendable, but matching never mutates it.
  public let source: String
  private let regex: Regex<AnyRegexOutput>

  public init(_ source: String) throws {
    self.source = source
    self.regex = try Regex(source)
  }

  /// True when the pattern matches all of `name`.
  public func matches(_ name: String) -> Bool {
    (try? regex.wholeMatch(in: name)) != nil
  }

  /// Why `pattern` does not compile, with the UTF-8 offset of the problem when the regex engine gives one.
  public static func compileError(_ pattern: String) -> (message: String, offset: Int?)? {
    // ICU compiles a pattern in microseconds, Swift's regex parser in about a quarter of a
    // millisecond; most selectors are valid, so ask ICU first and let Swift judge (and explain) the rest.
    if (try? NSRegularExpression(pattern: pattern)) != nil { return nil }
    do {
      _ = try Regex(pattern)
      return nil
    } catch {
      return (String(describing: error), errorOffset(error))
    }
  }

  /// Digs the start offset out of the regex parser's error (its location type is not public API);
  /// nil when the shape is not as expected.
  private static func errorOffset(_ error: any Error) -> Int? {
    guard let location = Mirror(reflecting: error).descendant("location", "range") else { return nil }
    let text = String(describing: location)  // e.g. "4[utf8]..<5[utf8]"
    return Int(text.prefix { $0.isNumber })
  }
}
