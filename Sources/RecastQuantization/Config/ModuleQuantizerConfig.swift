/// How the ops of one scope (the whole model, a module type or a module name) are quantized: coreai-opt's
/// `ModuleQuantizerConfig`.
///
/// `ModuleQuantizerConfig()` is W8A8. Within the scope an op takes, most specific first: the last matching
/// `opNameConfig` entry, else the last matching `opTypeConfig` entry, else the scope's own `op*Spec` fields. Each
/// omitted field falls back to the library default, not to an enclosing scope.
///
/// The `module*Spec` fields quantize the tensors crossing the boundary of the module the config is attached to
/// (its inputs, outputs and parameters), not the boundaries of its submodules. Omitted means none.
public struct ModuleQuantizerConfig: Sendable, Hashable {
  /// Specs for op activation inputs; `nil` = library default `{"*": default activation}`.
  public var opInputSpec: TensorSpecs?
  /// Specs for op outputs; `nil` = library default `{"*": default activation}`.
  public var opOutputSpec: TensorSpecs?
  /// Specs for op parameters; `nil` = library default `{"weight": default weight}`.
  public var opStateSpec: TensorSpecs?
  /// Specs for the module's boundary inputs (keys: `"*"` or the n-th input, `"0"`); `nil` = none.
  public var moduleInputSpec: TensorSpecs?
  /// Specs for the module's boundary outputs; `nil` = none.
  public var moduleOutputSpec: TensorSpecs?
  /// Specs for the module's parameters (keys relative to the module: `weight`, `q_proj.weight`); `nil` = none.
  public var moduleStateSpec: TensorSpecs?
  /// Per op type overrides (`conv2d`, `Conv`, `linear`, `softmax`...); full-match selectors, later wins.
  public var opTypeConfig: SelectorMap<OpQuantizerConfig>
  /// Per op name overrides (`linear_3`, `/0/Conv`); full-match selectors, later wins; beats `opTypeConfig`.
  public var opNameConfig: SelectorMap<OpQuantizerConfig>
  /// QAT schedule for the scope; `nil` = the quantizer's default.
  public var qatSchedule: QATSchedule?

  public init(
    opInputSpec: TensorSpecs? = nil, opOutputSpec: TensorSpecs? = nil, opStateSpec: TensorSpecs? = nil,
    moduleInputSpec: TensorSpecs? = nil, moduleOutputSpec: TensorSpecs? = nil, moduleStateSpec: TensorSpecs? = nil,
    opTypeConfig: SelectorMap<OpQuantizerConfig> = [:], opNameConfig: SelectorMap<OpQuantizerConfig> = [:],
    qatSchedule: QATSchedule? = nil
  ) {
    self.opInputSpec = opInputSpec
    self.opOutputSpec = opOutputSpec
    self.opStateSpec = opStateSpec
    self.moduleInputSpec = moduleInputSpec
    self.moduleOutputSpec = moduleOutputSpec
    self.moduleStateSpec = moduleStateSpec
    self.opTypeConfig = opTypeConfig
    self.opNameConfig = opNameConfig
    self.qatSchedule = qatSchedule
  }

  /// The scope's own op-level fields as an op config (what an op gets when no op entry matches it).
  public var scopeOpConfig: OpQuantizerConfig {
    OpQuantizerConfig(opInputSpec: opInputSpec, opOutputSpec: opOutputSpec, opStateSpec: opStateSpec)
  }

  /// The boundary specs for `group` (`nil` when omitted: no boundary quantization).
  public func moduleSpecs(_ group: TensorGroup) -> TensorSpecs? {
    switch group {
    case .input: moduleInputSpec
    case .output: moduleOutputSpec
    case .state: moduleStateSpec
    }
  }

  /// A copy with op type selector `selector` set to `config` (`nil` = leave those ops unquantized). An existing
  /// entry keeps its position; a new one is appended (and so wins over earlier matches). Chainable.
  public func setOpType(_ selector: String, _ config: OpQuantizerConfig?) -> ModuleQuantizerConfig {
    var copy = self
    copy.opTypeConfig.set(selector, config)
    return copy
  }

  /// A copy with op name selector `selector` set to `config` (`nil` = leave those ops unquantized). Chainable.
  public func setOpName(_ selector: String, _ config: OpQuantizerConfig?) -> ModuleQuantizerConfig {
    var copy = self
    copy.opNameConfig.set(selector, config)
    return copy
  }
}
