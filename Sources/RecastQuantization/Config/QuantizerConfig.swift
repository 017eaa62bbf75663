/// Which ops of a model are quantized and how: coreai-opt's `QuantizerConfig`.
///
/// A module's scope config is, most specific level first: the last `moduleNameConfigs` entry matching the module or
/// one of its ancestors (innermost first), else the last `moduleTypeConfigs` entry matching it or an ancestor, else
/// `globalConfig`. A `nil` entry (or `globalConfig = .disabled`) leaves that scope unquantized unless a more
/// specific level re-enables it. Selectors are regular expressions matched against the whole name.
///
/// `QuantizerConfig()` is coreai-opt's default, W8A8. Setters return a modified copy, so they chain:
/// `QuantizerConfig.presets.w4().setModuleType(ModuleTarget.embedding.selector, ModuleQuantizerConfig.presets.w8())`.
public struct QuantizerConfig: Sendable, Hashable {
  /// How the model is captured: graph (`torch.export`-style, default) or eager (call sites).
  public enum ExecutionMode: String, Sendable, Hashable, CaseIterable, Codable {
    case graph
    case eager
  }

  /// The whole-model scope, distinguishing an omitted `global_config` from an explicit `null`.
  public enum GlobalConfig: Sendable, Hashable {
    /// `global_config` omitted: the library default, `ModuleQuantizerConfig()` (W8A8).
    case libraryDefault
    /// `global_config: null`: nothing is quantized outside module-type and module-name scopes.
    case disabled
    /// An explicit config.
    case config(ModuleQuantizerConfig)

    /// The config in effect (`nil` when disabled).
    public var effective: ModuleQuantizerConfig? {
      switch self {
      case .libraryDefault: ModuleQuantizerConfig()
      case .disabled: nil
      case .config(let config): config
      }
    }
  }

  public var executionMode: ExecutionMode
  public var globalConfig: GlobalConfig
  /// Scopes by fully qualified module class (`torch.nn.modules.conv.Conv2d`); later entries win.
  public var moduleTypeConfigs: SelectorMap<ModuleQuantizerConfig>
  /// Scopes by module path (`features.0`, `encoder\.layer\.[0-5]`); later entries win; beats module types.
  public var moduleNameConfigs: SelectorMap<ModuleQuantizerConfig>
  /// Graph mode: the fusion patterns placement uses (Recast's `fusion_patterns`; all registered ones by default).
  public var fusionPatterns: FusionPatternSelection

  public init(
    executionMode: ExecutionMode = .graph, globalConfig: GlobalConfig = .libraryDefault,
    moduleTypeConfigs: SelectorMap<ModuleQuantizerConfig> = [:],
    moduleNameConfigs: SelectorMap<ModuleQuantizerConfig> = [:], fusionPatterns: FusionPatternSelection = .all
  ) {
    self.executionMode = executionMode
    self.globalConfig = globalConfig
    self.moduleTypeConfigs = moduleTypeConfigs
    self.moduleNameConfigs = moduleNameConfigs
    self.fusionPatterns = fusionPatterns
  }

  /// A config whose global scope is `global` (`nil` = explicit `null`).
  public init(
    executionMode: ExecutionMode = .graph, global: ModuleQuantizerConfig?,
    moduleTypeConfigs: SelectorMap<ModuleQuantizerConfig> = [:],
    moduleNameConfigs: SelectorMap<ModuleQuantizerConfig> = [:]
  ) {
    self.init(
      executionMode: executionMode, globalConfig: global.map { .config($0) } ?? .disabled,
      moduleTypeConfigs: moduleTypeConfigs, moduleNameConfigs: moduleNameConfigs)
  }

  /// A copy with the global scope set to `config` (`nil` = explicit `null`).
  public func setGlobal(_ config: ModuleQuantizerConfig?) -> QuantizerConfig {
    var copy = self
    copy.globalConfig = config.map { .config($0) } ?? .disabled
    return copy
  }

  /// A copy with module type selector `selector` set to `config` (`nil` = those modules stay float). An existing
  /// entry keeps its position; a new one is appended.
  public func setModuleType(_ selector: String, _ config: ModuleQuantizerConfig?) -> QuantizerConfig {
    var copy = self
    copy.moduleTypeConfigs.set(selector, config)
    return copy
  }

  /// A copy with module name selector `selector` set to `config` (`nil` = that module stays float).
  public func setModuleName(_ selector: String, _ config: ModuleQuantizerConfig?) -> QuantizerConfig {
    var copy = self
    copy.moduleNameConfigs.set(selector, config)
    return copy
  }

  /// A copy with the execution mode set.
  public func setExecutionMode(_ mode: ExecutionMode) -> QuantizerConfig {
    var copy = self
    copy.executionMode = mode
    return copy
  }

  /// A copy that quantizes only `targets`: the global scope becomes `null` and each target gets the former global
  /// config (a type target as a module-type entry, a name target as a module-name entry). Existing entries stay.
  public func onlyFor(_ targets: ModuleTarget...) -> QuantizerConfig { onlyFor(targets) }

  /// Array form of `onlyFor(_:)`.
  public func onlyFor(_ targets: [ModuleTarget]) -> QuantizerConfig {
    let global = globalConfig.effective
    var copy = self.setGlobal(nil)
    for target in targets { copy = copy.setting(target, global) }
    return copy
  }

  /// A copy that leaves `targets` unquantized: each gets a `null` module-type or module-name entry.
  public func without(_ targets: ModuleTarget...) -> QuantizerConfig { without(targets) }

  /// Array form of `without(_:)`.
  public func without(_ targets: [ModuleTarget]) -> QuantizerConfig {
    targets.reduce(self) { $0.setting($1, nil) }
  }

  private func setting(_ target: ModuleTarget, _ config: ModuleQuantizerConfig?) -> QuantizerConfig {
    switch target {
    case .type(let selector): setModuleType(selector, config)
    case .name(let selector): setModuleName(selector, config)
    }
  }
}

/// A module selector for `onlyFor` / `without`: a module type or a module name. A string literal is a module name
/// (as a string is in coreai-opt's `without`); use `.type(...)` or the constants (`.linear`, `.conv2d`) for types.
public enum ModuleTarget: Sendable, Hashable, ExpressibleByStringLiteral {
  /// A fully qualified module class selector (`torch.nn.modules.linear.Linear`).
  case type(String)
  /// A module path selector (`model.lm_head`).
  case name(String)

  public init(stringLiteral value: String) { self = .name(value) }

  /// The selector text.
  public var selector: String {
    switch self {
    case .type(let selector), .name(let selector): selector
    }
  }

  public static let linear = ModuleTarget.type("torch.nn.modules.linear.Linear")
  public static let conv1d = ModuleTarget.type("torch.nn.modules.conv.Conv1d")
  public static let conv2d = ModuleTarget.type("torch.nn.modules.conv.Conv2d")
  public static let conv3d = ModuleTarget.type("torch.nn.modules.conv.Conv3d")
  public static let convTranspose2d = ModuleTarget.type("torch.nn.modules.conv.ConvTranspose2d")
  public static let embedding = ModuleTarget.type("torch.nn.modules.sparse.Embedding")
  public static let layerNorm = ModuleTarget.type("torch.nn.modules.normalization.LayerNorm")
  public static let batchNorm2d = ModuleTarget.type("torch.nn.modules.batchnorm.BatchNorm2d")
  public static let maxPool2d = ModuleTarget.type("torch.nn.modules.pooling.MaxPool2d")
  public static let multiheadAttention = ModuleTarget.type("torch.nn.modules.activation.MultiheadAttention")
}
