public import RecastQuantization

extension RecipeConfig {
  /// `file:line` of the rule behind a source (presets included), or nil for library defaults.
  public func location(of source: SpecSource) -> String? {
    if source.isLibraryDefault { return nil }
    if case .global(true) = source.scope { return nil }
    return span(at: source.path).map { "\($0.file):\($0.start.line)" }
  }
}
