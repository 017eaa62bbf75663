import RecastDiagnostics
import RecastYAML
import Testing

/// Parses `text` as `t.yaml`, recording an issue (and returning nil) when it fails.
func parsed(_ text: String, limits: YAMLLimits = .default, sourceLocation: SourceLocation = #_sourceLocation)
  -> Node?
{
  do {
    return try YAMLReader.parse(text, file: "t.yaml", limits: limits)
  } catch {
    Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
    return nil
  }
}

/// The first diagnostic of a parse that must fail, recording an issue when it succeeds.
func failure(_ text: String, limits: YAMLLimits = .default, sourceLocation: SourceLocation = #_sourceLocation)
  -> Diagnostic?
{
  failure(bytes: Array(text.utf8), limits: limits, sourceLocation: sourceLocation)
}

/// The first diagnostic of a parse of raw bytes that must fail.
func failure(bytes: [UInt8], limits: YAMLLimits = .default, sourceLocation: SourceLocation = #_sourceLocation)
  -> Diagnostic?
{
  do {
    _ = try YAMLReader.parse(bytes: bytes, file: "t.yaml", limits: limits)
    Issue.record("expected a diagnostic, but the input parsed", sourceLocation: sourceLocation)
    return nil
  } catch {
    #expect(error.diagnostics.count == 1, sourceLocation: sourceLocation)
    return error.diagnostics.first
  }
}

/// `(line, column)` of a span's start, for compact expectations.
func position(_ span: SourceSpan?) -> [Int] {
  guard let span else { return [] }
  return [span.start.line, span.start.column]
}

/// A span-free rendering of a tree, for comparing structure and values: `{a: [1, "x", null]}`.
func shape(_ node: Node) -> String {
  var out = ""
  var stack: [(Node?, String)] = [(node, "")]
  while let (next, text) = stack.popLast() {
    guard let next else {
      out += text
      continue
    }
    let tag = next.tag.flatMap { $0.hasPrefix("!!") ? nil : $0 + " " } ?? ""
    switch next.kind {
    case .scalar(let s):
      out += tag + describe(s.value)
    case .sequence(let items):
      out += tag + "["
      stack.append((nil, "]"))
      for (i, item) in items.enumerated().reversed() {
        stack.append((item, ""))
        if i > 0 { stack.append((nil, ", ")) }
      }
    case .mapping(let pairs):
      out += tag + "{"
      stack.append((nil, "}"))
      for (i, pair) in pairs.enumerated().reversed() {
        stack.append((pair.value, ""))
        stack.append((nil, ": "))
        stack.append((pair.key, ""))
        if i > 0 { stack.append((nil, ", ")) }
      }
    }
  }
  return out
}

private func describe(_ value: ScalarValue) -> String {
  switch value {
  case .null: return "null"
  case .bool(let b): return "\(b)"
  case .int(let i): return "\(i)"
  case .float(let d): return d.isNaN ? "nan" : "\(d)f"
  case .string(let s): return "\"\(s)\""
  }
}
