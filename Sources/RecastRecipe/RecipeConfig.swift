public import RecastDiagnostics
public import RecastQuantization
public import RecastYAML

/// Builds a `QuantizerConfig` from a recipe's `quantization_config` (coreai-opt's YAML shape), and maps
/// config paths back to the YAML that wrote them, so findings and `recast explain` point at file:line.
///
/// The document should be the resolved one (presets merged): nodes keep the spans of the files they
/// came from, so a rule inherited from a preset points into the preset. Specs are inline mappings,
/// YAML aliases of named specs, or the name of a `quantization_spec` entry.
public struct RecipeConfig: Sendable {
  public let root: Node

  public init(_ root: Node) { self.root = root }

  /// The quantizer config the document describes. A missing `quantization_config` is coreai-opt's
  /// default (W8A8 everywhere). Malformed values throw diagnostics (the schema normally catches them first).
  public func quantizerConfig() throws(DiagnosticError) -> QuantizerConfig {
    guard let config = root["quantization_config"], !config.isNull else { return QuantizerConfig() }
    var mode = QuantizerConfig.ExecutionMode.graph
    if let text = config["execution_mode"]?.string {
      guard let parsed = QuantizerConfig.ExecutionMode(rawValue: text) else {
        throw DiagnosticError(.error("schema.enum", "execution_mode must be graph or eager; found '\(text)'", at: config["execution_mode"]?.span))
      }
      mode = parsed
    }
    let global: QuantizerConfig.GlobalConfig
    if let node = config["global_config"] {
      global = node.isNull ? .disabled : .config(try module(node))
    } else {
      global = .libraryDefault
    }
    return QuantizerConfig(
      executionMode: mode, globalConfig: global,
      moduleTypeConfigs: try selectorMap(config["module_type_configs"], module),
      moduleNameConfigs: try selectorMap(config["module_name_configs"], module),
      fusionPatterns: fusionPatterns(config["fusion_patterns"]))
  }

  /// `fusion_patterns: {enable: [...], disable: [...]}`: absent or null lists mean every registered pattern and
  /// none disabled. Names are checked by `lint.unknown-pattern` and again at placement.
  private func fusionPatterns(_ node: Node?) -> FusionPatternSelection {
    guard let node, !node.isNull else { return .all }
    func names(_ key: String) -> [String]? {
      guard let list = node[key], !list.isNull else { return nil }
      return (list.sequence ?? []).compactMap(\.string)
    }
    return FusionPatternSelection(enabled: names("enable"), disabled: names("disable") ?? [])
  }

  /// The selector keys of `allow_unmatched`.
  public var allowUnmatched: Set<String> {
    Set((root["allow_unmatched"]?.sequence ?? []).compactMap(\.string))
  }

  /// The node a config path (keys under `quantization_config`) names: for a selector, its key node
  /// (where a reader looks for it); otherwise the value. Falls back to the deepest node found.
  public func node(at path: [String]) -> Node? {
    guard var current = root["quantization_config"] else { return nil }
    for (index, key) in path.enumerated() {
      guard let pair = current.mapping?.last(where: { $0.key.keyString == key }) else { return current }
      if index == path.count - 1, Self.selectorParents.contains(path.count >= 2 ? path[index - 1] : "") {
        return pair.key
      }
      current = pair.value
    }
    return current
  }

  /// The span of a config path, for diagnostics; nil when the path is not in the document.
  public func span(at path: [String]) -> SourceSpan? { node(at: path)?.span }

  static let selectorParents: Set<String> = [
    "module_type_configs", "module_name_configs", "op_type_config", "op_name_config",
  ]

  // MARK: building

  private func module(_ node: Node) throws(DiagnosticError) -> ModuleQuantizerConfig {
    ModuleQuantizerConfig(
      opInputSpec: try specs(node, "op_input_spec"), opOutputSpec: try specs(node, "op_output_spec"),
      opStateSpec: try specs(node, "op_state_spec"), moduleInputSpec: try specs(node, "module_input_spec"),
      moduleOutputSpec: try specs(node, "module_output_spec"), moduleStateSpec: try specs(node, "module_state_spec"),
      opTypeConfig: try selectorMap(node["op_type_config"], op), opNameConfig: try selectorMap(node["op_name_config"], op),
      qatSchedule: try node["qat_schedule"].flatMap { n throws(DiagnosticError) in n.isNull ? nil : try schedule(n) })
  }

  private func op(_ node: Node) throws(DiagnosticError) -> OpQuantizerConfig {
    OpQuantizerConfig(
      opInputSpec: try specs(node, "op_input_spec"), opOutputSpec: try specs(node, "op_output_spec"),
      opStateSpec: try specs(node, "op_state_spec"))
  }

  private func selectorMap<V>(
    _ node: Node?, _ build: (Node) throws(DiagnosticError) -> V
  ) throws(DiagnosticError) -> SelectorMap<V> {
    var map = SelectorMap<V>()
    for pair in node?.mapping ?? [] {
      guard let key = pair.key.keyString else { continue }
      map.set(key, pair.value.isNull ? nil : try build(pair.value))
    }
    return map
  }

  /// A tensor group field: absent → nil (library default), null → disabled, a map of key → spec or null,
  /// or a single spec (applies to every tensor of the group, like `{"*": spec}`).
  private func specs(_ scope: Node, _ field: String) throws(DiagnosticError) -> TensorSpecs? {
    guard let node = scope[field] else { return nil }
    if node.isNull { return .disabled }
    if node["dtype"] != nil { return .all(try spec(node)) }
    var map = SelectorMap<QuantizationSpec>()
    for pair in node.mapping ?? [] {
      guard let key = pair.key.keyString else { continue }
      map.set(key, pair.value.isNull ? nil : try spec(pair.value))
    }
    return .specs(map)
  }

  /// A QuantizationSpec from a mapping, or from the name of a `quantization_spec` entry.
  public func spec(_ node: Node) throws(DiagnosticError) -> QuantizationSpec { try spec(node, checked: true) }

  /// The spec's fields as parsed, without the cross-field checks `spec(_:)` makes (for lint rules that report those
  /// checks themselves); nil when a field does not parse (the schema reports that).
  func parsedSpec(_ node: Node) -> QuantizationSpec? { try? spec(node, checked: false) }

  private func spec(_ node: Node, checked: Bool) throws(DiagnosticError) -> QuantizationSpec {
    if let name = node.string {
      guard let named = root["quantization_spec"]?[name], named.mapping != nil else {
        let known = (root["quantization_spec"]?.mapping ?? []).compactMap(\.key.keyString)
        throw DiagnosticError(
          .error("lint.unknown-spec", "no quantization_spec named '\(name)'", at: node.span,
            help: didYouMean(name, among: known)))
      }
      return try spec(named, checked: checked)
    }
    guard let dtypeNode = node["dtype"], let dtypeText = dtypeNode.string, let dtype = QuantDType(parsing: dtypeText) else {
      throw DiagnosticError(.error("schema.required", "a quantization spec needs a valid 'dtype'", at: node.span))
    }
    var spec = QuantizationSpec(dtype: dtype)
    if let text = node["qscheme"]?.string { spec.qscheme = try parse(text, node["qscheme"]!, QScheme.init(rawValue:)) }
    if let text = node["qformulation"]?.string {
      spec.qformulation = try parse(text, node["qformulation"]!, QFormulation.init(rawValue:))
    }
    if let granularity = node["granularity"], granularity.mapping != nil {
      let axis = granularity["axis"]?.intValue
      switch granularity["type"]?.string {
      case "per_channel": spec.granularity = .perChannel(axis: axis)
      case "per_block": spec.granularity = .perBlock(axis: axis, blockSize: granularity["block_size"]?.intValue ?? 0)
      default: spec.granularity = .perTensor
      }
    }
    if let name = node["qparam_calculator_cls"]?.string { spec.qparamCalculator = name }
    if let name = node["range_calculator_cls"]?.string { spec.rangeCalculator = name }
    if let name = node["fake_quantize_cls"]?.string { spec.fakeQuantize = name }
    if let range = node["float_range"]?.sequence, range.count == 2 {
      spec.floatRange = ClosedRangeBounds(min: range[0].numberValue, max: range[1].numberValue)
    }
    if let text = node["scale_dtype"]?.string {
      spec.scaleDType = try parse(text, node["scale_dtype"]!, ScaleDType.init(rawValue:))
    }
    if let flag = node["narrow_range"], case .bool(let narrow)? = flag.scalar?.value {
      spec.narrowRange = narrow
      if checked, let problem = spec.narrowRangeProblem {
        throw DiagnosticError(.error("lint.narrow-range", problem, at: flag.span, help: NarrowRangeRule.help))
      }
    }
    return spec
  }

  func schedule(_ node: Node) throws(DiagnosticError) -> QATSchedule {
    func milestone(_ key: String, default value: Milestone?) -> Milestone? {
      guard let n = node[key] else { return value }
      if case .int(let step)? = n.scalar?.value { return .step(step) }
      if let epoch = n["at_epoch"]?.numberValue { return .epoch(epoch) }
      return nil
    }
    return QATSchedule(
      enableObserver: milestone("enable_observer", default: .step(0)),
      enableFakeQuant: milestone("enable_fake_quant", default: .step(0)),
      disableObserver: milestone("disable_observer", default: nil), freezeBN: milestone("freeze_bn", default: nil))
  }

  private func parse<T: CaseIterable & RawRepresentable>(
    _ text: String, _ node: Node, _ make: (String) -> T?
  ) throws(DiagnosticError) -> T where T.RawValue == String {
    guard let value = make(text) else {
      let options = T.allCases.map(\.rawValue)
      throw DiagnosticError(
        .error("schema.enum", "'\(text)' is not one of \(options.joined(separator: ", "))", at: node.span,
          help: didYouMean(text, among: options)))
    }
    return value
  }

}
