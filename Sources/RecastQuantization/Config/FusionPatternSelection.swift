/// Which registered fusion patterns graph-mode placement uses: a recipe's `quantization_config.fusion_patterns`.
///
/// `enabled == nil` means every pattern in the registry (built-ins and user patterns); otherwise only the named
/// ones. `disabled` names are removed afterwards, so a name in both lists is disabled. Names are checked against
/// the `PatternRegistry` at placement (an unknown name is an error with a did-you-mean). Eager mode uses no patterns.
public struct FusionPatternSelection: Sendable, Hashable {
  /// Only these patterns (`nil`: all registered ones), in the order written.
  public var enabled: [String]?
  /// Patterns to skip, in the order written.
  public var disabled: [String]

  public init(enabled: [String]? = nil, disabled: [String] = []) {
    self.enabled = enabled
    self.disabled = disabled
  }

  /// Every registered pattern.
  public static let all = FusionPatternSelection()

  /// Every name the selection mentions, enabled first.
  public var names: [String] { (enabled ?? []) + disabled }

  /// This selection narrowed by another: patterns both enable (all when neither lists any), minus both lists of
  /// disabled ones.
  public func narrowed(by other: FusionPatternSelection) -> FusionPatternSelection {
    let enabled: [String]? =
      switch (self.enabled, other.enabled) {
      case (nil, nil): nil
      case (let a?, nil): a
      case (nil, let b?): b
      case (let a?, let b?): a.filter(b.contains)
      }
    return FusionPatternSelection(
      enabled: enabled, disabled: disabled + other.disabled.filter { !disabled.contains($0) })
  }
}

extension QuantizerConfig {
  /// A copy that uses only `enable` (all registered patterns when `nil`) minus `disable` in graph mode.
  public func setFusionPatterns(enable: [String]? = nil, disable: [String] = []) -> QuantizerConfig {
    var copy = self
    copy.fusionPatterns = FusionPatternSelection(enabled: enable, disabled: disable)
    return copy
  }
}
