/// Which config rule gave a tensor its spec (or left it unquantized), for `recast explain` and reports.
///
/// Written as `<scope> › <rule> › <field>[<key>]`, e.g. `module_name:3 › op_state_spec[weight]`,
/// `global › op_type:softmax = null`, `global (library default) › op_input_spec[*] (library default)`.
public struct SpecSource: Sendable, Hashable, CustomStringConvertible {
  /// The scope config in effect for the op's module.
  public enum Scope: Sendable, Hashable, CustomStringConvertible {
    /// `global_config`; `isLibraryDefault` when it was omitted.
    case global(isLibraryDefault: Bool)
    /// A `module_type_configs` entry (its selector).
    case moduleType(String)
    /// A `module_name_configs` entry (its selector).
    case moduleName(String)

    /// coreai-opt's `module_config_source` spelling: `global`, `module_type:<selector>`, `module_name:<selector>`.
    public var description: String {
      switch self {
      case .global: "global"
      case .moduleType(let selector): "module_type:\(selector)"
      case .moduleName(let selector): "module_name:\(selector)"
      }
    }

    /// The config path of the scope (`["global_config"]`, `["module_type_configs", selector]`).
    public var path: [String] {
      switch self {
      case .global: ["global_config"]
      case .moduleType(let selector): ["module_type_configs", selector]
      case .moduleName(let selector): ["module_name_configs", selector]
      }
    }
  }

  /// The rule inside the scope.
  public enum Rule: Sendable, Hashable {
    /// The scope's own `op_*_spec` fields.
    case scope
    /// An `op_type_config` entry (its selector).
    case opType(String)
    /// An `op_name_config` entry (its selector).
    case opName(String)
    /// The scope's `module_*_spec` fields, at the boundary of this module path.
    case moduleBoundary(String)
  }

  /// How the tensor group's specs decided.
  public enum Outcome: Sendable, Hashable {
    /// The entry with this key gave the spec.
    case matched(key: String)
    /// The entry with this key is `null`: explicitly not quantized.
    case keyNull(key: String)
    /// No key selects the tensor.
    case noKey
    /// The field is `null`.
    case fieldNull
    /// The op entry is `null`.
    case opNull
    /// The whole scope is `null`.
    case scopeNull
  }

  public var scope: Scope
  public var rule: Rule
  /// The config field (`op_state_spec`, `module_input_spec`); `nil` when the scope or op entry is `null`.
  public var field: String?
  /// True when the field was omitted and the library default applied.
  public var isLibraryDefault: Bool
  public var outcome: Outcome

  public init(scope: Scope, rule: Rule, field: String?, isLibraryDefault: Bool, outcome: Outcome) {
    self.scope = scope
    self.rule = rule
    self.field = field
    self.isLibraryDefault = isLibraryDefault
    self.outcome = outcome
  }

  /// The config path of the entry that decided (`["module_name_configs", "3", "op_state_spec", "weight"]`).
  public var path: [String] {
    var path = scope.path
    switch rule {
    case .scope, .moduleBoundary: break
    case .opType(let selector): path += ["op_type_config", selector]
    case .opName(let selector): path += ["op_name_config", selector]
    }
    if let field, !isLibraryDefault { path.append(field) }
    switch outcome {
    case .matched(let key), .keyNull(let key): if !isLibraryDefault { path.append(key) }
    default: break
    }
    return path
  }

  public var description: String {
    var parts: [String] = []
    if case .global(true) = scope { parts.append("global (library default)") } else { parts.append(scope.description) }
    switch rule {
    case .scope: break
    case .opType(let selector): parts.append("op_type:\(selector)")
    case .opName(let selector): parts.append("op_name:\(selector)")
    case .moduleBoundary(let module): parts.append("module '\(module)' boundary")
    }
    let suffix = isLibraryDefault ? " (library default)" : ""
    switch outcome {
    case .scopeNull: return parts.joined(separator: " › ") + " = null"
    case .opNull: return parts.joined(separator: " › ") + " = null"
    case .fieldNull: parts.append("\(field ?? "?") = null")
    case .noKey: parts.append("\(field ?? "?")\(suffix): no key selects it")
    case .matched(let key): parts.append("\(field ?? "?")[\(key)]\(suffix)")
    case .keyNull(let key): parts.append("\(field ?? "?")[\(key)] = null")
    }
    return parts.joined(separator: " › ")
  }
}
