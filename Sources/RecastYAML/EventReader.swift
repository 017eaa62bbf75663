internal import CYAML
import RecastDiagnostics

/// Pulls events from libyaml's event API (`yaml_parser_parse`) over a UTF-8 buffer.
///
/// The reader owns a heap-allocated `yaml_parser_t`; call `close()` when done. The input buffer must stay
/// alive and unmoved until then, so callers create the reader inside `withUnsafeBufferPointer`.
struct EventReader: ~Copyable {
  private let parser: UnsafeMutablePointer<yaml_parser_t>
  private let map: SourceMap

  /// Starts a parser over `input`, which must remain valid until `close()`.
  init(input: UnsafeBufferPointer<UInt8>, map: SourceMap) {
    self.map = map
    parser = .allocate(capacity: 1)
    yaml_parser_initialize(parser)
    yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    // libyaml reads nothing from a nil pointer when the size is zero, but give it a valid address anyway.
    let base = input.baseAddress ?? UnsafePointer(bitPattern: 1)!
    yaml_parser_set_input_string(parser, base, input.count)
  }

  deinit {
    yaml_parser_delete(parser)
    parser.deallocate()
  }

  /// The next event, or a `yaml.syntax` diagnostic carrying libyaml's problem and context.
  mutating func next() throws(DiagnosticError) -> Event {
    var event = yaml_event_t()
    guard yaml_parser_parse(parser, &event) != 0 else { throw DiagnosticError(syntaxError()) }
    defer { yaml_event_delete(&event) }
    let span = map.span(mark(event.start_mark), mark(event.end_mark))
    switch event.type {
    case YAML_STREAM_START_EVENT:
      return .streamStart
    case YAML_STREAM_END_EVENT:
      return .streamEnd(span)
    case YAML_DOCUMENT_START_EVENT:
      return .documentStart(span)
    case YAML_DOCUMENT_END_EVENT:
      return .documentEnd(span)
    case YAML_ALIAS_EVENT:
      return .alias(name: Self.string(event.data.alias.anchor), span: span)
    case YAML_SCALAR_EVENT:
      let data = event.data.scalar
      let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
      let properties = Event.Properties(
        tag: data.tag.map { Self.string($0) }, anchor: data.anchor.map { Self.string($0) })
      return .scalar(text: text, properties: properties, style: Self.style(data.style), span: span)
    case YAML_SEQUENCE_START_EVENT:
      let data = event.data.sequence_start
      let properties = Event.Properties(
        tag: data.tag.map { Self.string($0) }, anchor: data.anchor.map { Self.string($0) })
      return .sequenceStart(
        properties: properties, style: data.style == YAML_FLOW_SEQUENCE_STYLE ? .flow : .block, span: span)
    case YAML_SEQUENCE_END_EVENT:
      return .sequenceEnd(span)
    case YAML_MAPPING_START_EVENT:
      let data = event.data.mapping_start
      let properties = Event.Properties(
        tag: data.tag.map { Self.string($0) }, anchor: data.anchor.map { Self.string($0) })
      return .mappingStart(
        properties: properties, style: data.style == YAML_FLOW_MAPPING_STYLE ? .flow : .block, span: span)
    case YAML_MAPPING_END_EVENT:
      return .mappingEnd(span)
    default:
      return .streamEnd(span)
    }
  }

  private func mark(_ m: yaml_mark_t) -> SourceMark {
    map.mark(line: Int(m.line), column: Int(m.column), index: Int(m.index))
  }

  /// Turns libyaml's error state into a diagnostic: the problem at its mark, the context as a note.
  private func syntaxError() -> Diagnostic {
    let p = parser.pointee
    let problem = p.problem.map { String(cString: $0) } ?? "malformed YAML"
    if p.error == YAML_READER_ERROR {
      // Reader errors (control characters, for instance) carry a byte offset instead of a mark.
      var message = problem
      if p.problem_value != -1 { message += " (#x\(String(p.problem_value, radix: 16, uppercase: true)))" }
      return .error("yaml.syntax", message, at: map.span(at: map.mark(byteOffset: p.problem_offset)))
    }
    if p.error == YAML_MEMORY_ERROR {
      return .error("yaml.syntax", "out of memory while parsing", at: nil)
    }
    let problemMark = mark(p.problem_mark)
    var diagnostic = Diagnostic.error("yaml.syntax", problem, at: map.span(at: problemMark))
    if map.byte(atFileOffset: problemMark.offset) == UInt8(ascii: "\t") {
      diagnostic.help = "YAML does not allow tabs for indentation; indent with spaces"
    }
    if let context = p.context.map({ String(cString: $0) }) {
      diagnostic.message = "\(problem) \(context)"
      diagnostic.notes.append(.init("\(context) that started here", span: map.span(at: mark(p.context_mark))))
    }
    return diagnostic
  }

  private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>) -> String {
    String(cString: pointer)
  }

  private static func style(_ style: yaml_scalar_style_t) -> Style {
    switch style {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
    case YAML_LITERAL_SCALAR_STYLE: return .literal
    case YAML_FOLDED_SCALAR_STYLE: return .folded
    default: return .plain
    }
  }
}
