public import RecastYAML

/// What a quantization spec applies to: activations (op or module inputs and outputs) or state (weights).
public enum TensorRole: String, Sendable {
  case activation
  case weight
}

/// One place in a recipe where a quantization spec is assigned to a tensor group, with the spec it
/// resolves to (inline, through a YAML alias, or by name from `quantization_spec`).
public struct SpecSite: Sendable {
  /// JSON-pointer-like path of the assignment, e.g. `/quantization_config/global_config/op_input_spec/*`.
  public var path: String
  public var role: TensorRole
  /// The node written at the site (a mapping, a name, or null).
  public var site: Node
  /// The spec mapping it resolves to; nil for `null` (disabled) or an unresolvable name.
  public var spec: Node?
}

/// Walks a recipe or preset document and finds its config scopes and spec assignments.
///
/// Scopes are ModuleQuantizerConfig nodes (`global_config`, the values of `module_type_configs` and
/// `module_name_configs`) and OpQuantizerConfig nodes (the values of `op_type_config` and
/// `op_name_config` inside them). Malformed parts are skipped: the schema reports those.
public struct ConfigWalker: Sendable {
  public static let activationFields = ["op_input_spec", "op_output_spec", "module_input_spec", "module_output_spec"]
  public static let stateFields = ["op_state_spec", "module_state_spec"]
  public static let moduleSelectorMaps = ["module_type_configs", "module_name_configs"]
  public static let opSelectorMaps = ["op_type_config", "op_name_config"]

  public let root: Node
  /// Every config scope with its path (ModuleQuantizerConfig scopes, each followed by its op scopes).
  public let scopes: [(path: String, node: Node)]
  /// Every spec assignment in every scope.
  public let sites: [SpecSite]

  public init(_ root: Node) {
    self.root = root
    self.scopes = Self.scopes(of: root)
    self.sites = Self.sites(in: scopes, root: root)
  }

  /// Named specs under the top-level `quantization_spec`.
  public var namedSpecs: [Pair] { root["quantization_spec"]?.mapping ?? [] }

  private static func scopes(of root: Node) -> [(path: String, node: Node)] {
    guard let config = root["quantization_config"], config.mapping != nil else { return [] }
    var modules: [(String, Node)] = []
    if let global = config["global_config"], global.mapping != nil {
      modules.append(("/quantization_config/global_config", global))
    }
    for field in Self.moduleSelectorMaps {
      for pair in config[field]?.mapping ?? [] where pair.value.mapping != nil {
        modules.append(("/quantization_config/\(field)/\(escape(pair.key.keyString ?? "?"))", pair.value))
      }
    }
    var result: [(path: String, node: Node)] = []
    for (path, module) in modules {
      result.append((path, module))
      for field in Self.opSelectorMaps {
        for pair in module[field]?.mapping ?? [] where pair.value.mapping != nil {
          result.append(("\(path)/\(field)/\(escape(pair.key.keyString ?? "?"))", pair.value))
        }
      }
    }
    return result
  }

  /// Every selector map (its path and node): the config's module selector maps and each scope's op maps.
  public var selectorMaps: [(path: String, node: Node)] {
    guard let config = root["quantization_config"] else { return [] }
    var maps: [(path: String, node: Node)] = []
    for field in Self.moduleSelectorMaps {
      if let m = config[field], m.mapping != nil { maps.append(("/quantization_config/\(field)", m)) }
    }
    for scope in scopes {
      for field in Self.opSelectorMaps {
        if let m = scope.node[field], m.mapping != nil { maps.append(("\(scope.path)/\(field)", m)) }
      }
    }
    return maps
  }

  private static func sites(in scopes: [(path: String, node: Node)], root: Node) -> [SpecSite] {
    var sites: [SpecSite] = []
    for scope in scopes {
      for (fields, role) in [(Self.activationFields, TensorRole.activation), (Self.stateFields, .weight)] {
        for field in fields {
          guard let group = scope.node[field] else { continue }
          if isSpecMapping(group) {  // a single spec written without the per-tensor map
            sites.append(SpecSite(path: "\(scope.path)/\(field)", role: role, site: group, spec: group))
            continue
          }
          for pair in group.mapping ?? [] {
            let path = "\(scope.path)/\(field)/\(escape(pair.key.keyString ?? "?"))"
            sites.append(SpecSite(path: path, role: role, site: pair.value, spec: resolve(pair.value, root: root)))
          }
        }
      }
    }
    return sites
  }

  /// The spec mapping a site's node denotes: itself, or the named spec a string refers to.
  public func resolve(_ node: Node) -> Node? { Self.resolve(node, root: root) }

  private static func resolve(_ node: Node, root: Node) -> Node? {
    if node.mapping != nil { return node }
    if let name = node.string { return root["quantization_spec"]?[name].flatMap { $0.mapping != nil ? $0 : nil } }
    return nil
  }

  private static func isSpecMapping(_ node: Node) -> Bool { node["dtype"] != nil || node["granularity"] != nil }

  private static func escape(_ key: String) -> String {
    key.split(separator: "~", omittingEmptySubsequences: false).joined(separator: "~0")
      .split(separator: "/", omittingEmptySubsequences: false).joined(separator: "~1")
  }
}
