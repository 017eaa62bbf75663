/// The 2020-12 vocabularies a schema's metaschema enables; they decide which keywords take effect.
struct Vocabularies: OptionSet, Sendable, Hashable {
  var rawValue: UInt16
  static let core = Vocabularies(rawValue: 1)
  static let applicator = Vocabularies(rawValue: 2)
  static let unevaluated = Vocabularies(rawValue: 4)
  static let validation = Vocabularies(rawValue: 8)
  static let metaData = Vocabularies(rawValue: 16)
  static let formatAnnotation = Vocabularies(rawValue: 32)
  static let formatAssertion = Vocabularies(rawValue: 64)
  static let content = Vocabularies(rawValue: 128)

  /// What a schema gets when its metaschema is the standard one or declares no `$vocabulary`.
  static let standard: Vocabularies = [
    .core, .applicator, .unevaluated, .validation, .metaData, .formatAnnotation, .content,
  ]

  static let byURI: [String: Vocabularies] = [
    "https://json-schema.org/draft/2020-12/vocab/core": .core,
    "https://json-schema.org/draft/2020-12/vocab/applicator": .applicator,
    "https://json-schema.org/draft/2020-12/vocab/unevaluated": .unevaluated,
    "https://json-schema.org/draft/2020-12/vocab/validation": .validation,
    "https://json-schema.org/draft/2020-12/vocab/meta-data": .metaData,
    "https://json-schema.org/draft/2020-12/vocab/format-annotation": .formatAnnotation,
    "https://json-schema.org/draft/2020-12/vocab/format-assertion": .formatAssertion,
    "https://json-schema.org/draft/2020-12/vocab/content": .content,
  ]

  init(rawValue: UInt16) { self.rawValue = rawValue }
}
