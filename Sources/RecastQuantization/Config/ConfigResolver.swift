public import RecastGraph

/// Resolves a `QuantizerConfig` against a model: for every quantizable op, the spec of each activation input, output
/// and parameter and the rule that supplied it, plus module-boundary specs and findings.
///
/// Precedence, as in coreai-opt:
/// 1. Scope: the last `moduleNameConfigs` entry matching the op's module or an ancestor (innermost module first),
///    else the last `moduleTypeConfigs` entry matching it or an ancestor, else `globalConfig`. A `nil` scope leaves
///    the op unquantized.
/// 2. Within the scope: the last `opNameConfig` entry matching one of the op's names (graph-mode op names, or eager
///    call-site names in eager mode: `QuantizableOp.names(in:)`), else the last `opTypeConfig`
///    entry matching one of its types, else the scope's own `op*Spec` fields. A `nil` op entry leaves it unquantized.
/// 3. Within the chosen config, each group (inputs, outputs, state) uses its field, or the library default when the
///    field is omitted; an exact key (`"0"`, `"weight"`) beats `"*"`.
/// Selectors are regular expressions matched against whole names, compiled once per resolver.
/// `module*Spec` fields apply at the boundary of the module whose own name or type the entry matched (the global
/// config's at the model's inputs and outputs), never to submodules.
public struct ConfigResolver: Sendable {
  public let config: QuantizerConfig
  public let model: QuantizableModel

  /// A scope config: the global config or one module-type / module-name entry.
  enum ScopeRef: Hashable {
    case global
    case type(Int)
    case name(Int)
  }

  /// An op entry of a scope: which scope, name or type map, and position.
  struct OpEntryRef: Hashable {
    var scope: ScopeRef
    var byName: Bool
    var index: Int
  }

  let nameSelectors: [CompiledSelector]
  let typeSelectors: [CompiledSelector]
  let opSelectors: [ScopeRef: (types: [CompiledSelector], names: [CompiledSelector])]
  let modulesByPath: [String: ModuleInfo]

  /// Prepares resolution of `config` against `model` (builds the model's quantizable-op view).
  public init(config: QuantizerConfig, model: Model) {
    self.init(config: config, view: QuantizableModel(model))
  }

  /// Prepares resolution of `config` against an already built view.
  public init(config: QuantizerConfig, view: QuantizableModel) {
    self.config = config
    self.model = view
    nameSelectors = config.moduleNameConfigs.selectors.map(CompiledSelector.init)
    typeSelectors = config.moduleTypeConfigs.selectors.map(CompiledSelector.init)
    var opSelectors: [ScopeRef: (types: [CompiledSelector], names: [CompiledSelector])] = [:]
    func add(_ ref: ScopeRef, _ scope: ModuleQuantizerConfig?) {
      guard let scope else { return }
      opSelectors[ref] = (
        scope.opTypeConfig.selectors.map(CompiledSelector.init), scope.opNameConfig.selectors.map(CompiledSelector.init)
      )
    }
    add(.global, config.globalConfig.effective)
    for (i, entry) in config.moduleTypeConfigs.entries.enumerated() { add(.type(i), entry.value) }
    for (i, entry) in config.moduleNameConfigs.entries.enumerated() { add(.name(i), entry.value) }
    self.opSelectors = opSelectors
    var modulesByPath: [String: ModuleInfo] = [:]
    for module in view.modules { modulesByPath[module.path] = module }
    self.modulesByPath = modulesByPath
  }

  // MARK: Scopes

  /// The scope config and its description.
  func scopeConfig(_ ref: ScopeRef) -> (config: ModuleQuantizerConfig?, scope: SpecSource.Scope) {
    switch ref {
    case .global:
      let isDefault = config.globalConfig == .libraryDefault
      return (config.globalConfig.effective, .global(isLibraryDefault: isDefault))
    case .type(let i):
      let entry = config.moduleTypeConfigs.entries[i]
      return (entry.value, .moduleType(entry.selector))
    case .name(let i):
      let entry = config.moduleNameConfigs.entries[i]
      return (entry.value, .moduleName(entry.selector))
    }
  }

  /// The scope of a module stack (root first) and the path of the module whose own name or type decided it
  /// (the root for the global config).
  func scope(for stack: [ModuleInfo]) -> (ref: ScopeRef, decidingModule: String) {
    for module in stack.reversed() {
      if let i = nameSelectors.lastIndex(where: { $0.matches(module.path) }) { return (.name(i), module.path) }
    }
    for module in stack.reversed() {
      guard let type = module.type else { continue }
      if let i = typeSelectors.lastIndex(where: { $0.matches(type) }) { return (.type(i), module.path) }
    }
    return (.global, "")
  }

  /// The module stack (root first) of module `path`, with the classes known from the model.
  func stack(ofModule path: String) -> [ModuleInfo] {
    var stack = [modulesByPath[""] ?? ModuleInfo(path: "")]
    guard !path.isEmpty else { return stack }
    var prefix: [Substring] = []
    for component in path.split(separator: ".", omittingEmptySubsequences: false) {
      prefix.append(component)
      let joined = prefix.joined(separator: ".")
      stack.append(modulesByPath[joined] ?? ModuleInfo(path: joined))
    }
    return stack
  }

  // MARK: Resolution

  /// Resolves every quantizable op and module boundary, and collects findings.
  public func resolve() -> ConfigResolution {
    var tracker = UsageTracker()
    var checks = SpecChecks()
    let moduleSources = model.modules.map { module in
      let ref = scope(for: stack(ofModule: module.path)).ref
      tracker.chosenScopes[ref, default: []].append(module.path)
      return (module: module, scope: scopeConfig(ref).scope)
    }
    var ops: [ResolvedOp] = []
    for op in model.ops {
      let ref = scope(for: op.moduleStack).ref
      tracker.scopesWithOps.insert(ref)
      ops.append(resolve(op, in: ref, tracker: &tracker, checks: &checks))
    }
    let boundaries = resolveBoundaries(checks: &checks)
    var resolution = ConfigResolution(
      ops: ops, boundaryTensors: boundaries, moduleSources: moduleSources, findings: [])
    resolution.fusionPatterns = config.fusionPatterns
    resolution.findings = selectorFindings(tracker: tracker) + checks.findings
    if !resolution.quantizesAnything {
      resolution.findings.append(
        ConfigFinding(
          ConfigFinding.ID.quantizesNothing, .warning,
          "the config quantizes nothing in this model: every op is disabled or unselected", path: [],
          help: "check that global_config is not null, or that the module and op selectors match this model"))
    }
    return resolution
  }

  /// Resolves one op in scope `ref`.
  func resolve(_ op: QuantizableOp, in ref: ScopeRef, tracker: inout UsageTracker, checks: inout SpecChecks)
    -> ResolvedOp
  {
    let (scopeConfig, scope) = self.scopeConfig(ref)
    func unquantized(_ rule: SpecSource.Rule, _ outcome: SpecSource.Outcome) -> ResolvedOp {
      let source = SpecSource(scope: scope, rule: rule, field: nil, isLibraryDefault: false, outcome: outcome)
      func none(_ group: TensorGroup, _ tensors: [OpTensor]) -> [ResolvedTensor] {
        tensors.map { ResolvedTensor(group: group, tensor: $0, spec: nil, source: source) }
      }
      return ResolvedOp(
        op: op, scope: scope, inputs: none(.input, op.inputs), outputs: none(.output, op.outputs),
        state: none(.state, op.state))
    }
    guard let scopeConfig else { return unquantized(.scope, .scopeNull) }

    let selectors = opSelectors[ref] ?? ([], [])
    let names = op.names(in: config.executionMode)
    let types = op.types
    let nameMatches = selectors.names.indices.filter { selectors.names[$0].matchesAny(names) }
    let typeMatches = selectors.types.indices.filter { selectors.types[$0].matchesAny(types) }
    for i in nameMatches { tracker.matchedInScope.insert(OpEntryRef(scope: ref, byName: true, index: i)) }
    for i in typeMatches { tracker.matchedInScope.insert(OpEntryRef(scope: ref, byName: false, index: i)) }

    var rule = SpecSource.Rule.scope
    var opConfig: OpQuantizerConfig? = scopeConfig.scopeOpConfig
    if let i = nameMatches.last {
      tracker.chosenOpEntries.insert(OpEntryRef(scope: ref, byName: true, index: i))
      let entry = scopeConfig.opNameConfig.entries[i]
      (rule, opConfig) = (.opName(entry.selector), entry.value)
    } else if let i = typeMatches.last {
      tracker.chosenOpEntries.insert(OpEntryRef(scope: ref, byName: false, index: i))
      let entry = scopeConfig.opTypeConfig.entries[i]
      (rule, opConfig) = (.opType(entry.selector), entry.value)
    }
    guard let opConfig else { return unquantized(rule, .opNull) }

    func resolveGroup(_ group: TensorGroup, _ tensors: [OpTensor]) -> [ResolvedTensor] {
      let (specs, isDefault) = opConfig.effective(group)
      return tensors.map { tensor in
        var keys = [String(tensor.slot), tensor.value]
        if let parameter = tensor.parameter { keys.insert(parameter, at: 0) }
        let (spec, outcome) = Self.lookup(specs, keys: keys)
        let source = SpecSource(
          scope: scope, rule: rule, field: group.opField, isLibraryDefault: isDefault, outcome: outcome)
        let resolved = spec.map { checks.resolveAxes($0, tensor: tensor, group: group, op: op, source: source) }
        return ResolvedTensor(group: group, tensor: tensor, spec: resolved, source: source)
      }
    }
    return ResolvedOp(
      op: op, scope: scope, inputs: resolveGroup(.input, op.inputs), outputs: resolveGroup(.output, op.outputs),
      state: resolveGroup(.state, op.state))
  }

  /// Looks a tensor up in a group's specs: the spec (if any) and how the specs decided.
  static func lookup(_ specs: TensorSpecs, keys: [String]) -> (QuantizationSpec?, SpecSource.Outcome) {
    guard case .specs = specs else { return (nil, .fieldNull) }
    guard let (key, spec) = specs.lookup(keys: keys) else { return (nil, .noKey) }
    return spec.map { ($0, .matched(key: key)) } ?? (nil, .keyNull(key: key))
  }
}

/// Which config entries matched and decided what, for unmatched/shadowed findings.
struct UsageTracker {
  /// Modules each scope was chosen for.
  var chosenScopes: [ConfigResolver.ScopeRef: [String]] = [:]
  /// Scopes that decided at least one quantizable op.
  var scopesWithOps: Set<ConfigResolver.ScopeRef> = []
  /// Op entries that matched an op of their own scope.
  var matchedInScope: Set<ConfigResolver.OpEntryRef> = []
  /// Op entries that decided at least one op.
  var chosenOpEntries: Set<ConfigResolver.OpEntryRef> = []
}
