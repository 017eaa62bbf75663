import RecastDiagnostics

/// One parse event from libyaml, translated into Swift values with source spans.
enum Event {
  /// Properties shared by scalars and collection starts.
  struct Properties {
    var tag: String?
    var anchor: String?
  }

  case streamStart
  case streamEnd(SourceSpan)
  case documentStart(SourceSpan)
  case documentEnd(SourceSpan)
  case alias(name: String, span: SourceSpan)
  /// `text` is the scalar's content after unescaping and folding; `style` says how it was written.
  case scalar(text: String, properties: Properties, style: Style, span: SourceSpan)
  case sequenceStart(properties: Properties, style: Style, span: SourceSpan)
  case sequenceEnd(SourceSpan)
  case mappingStart(properties: Properties, style: Style, span: SourceSpan)
  case mappingEnd(SourceSpan)
}
