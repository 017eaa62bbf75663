import RecastDiagnostics

/// Findings about the config's selectors: invalid, unmatched (with did-you-mean), shadowed, or selecting modules
/// without quantizable ops.
extension ConfigResolver {
  func selectorFindings(tracker: UsageTracker) -> [ConfigFinding] {
    var findings: [ConfigFinding] = []
    let modulePaths = model.modules.map(\.path).filter { !$0.isEmpty }
    let moduleTypes = Array(Set(model.modules.compactMap(\.type))).sorted()
    let modulesWithOps = Set(model.ops.flatMap { $0.moduleStack.map(\.path) })

    func moduleEntries(
      _ selectors: [CompiledSelector], values: [ModuleQuantizerConfig?], field: String, ref: (Int) -> ScopeRef,
      candidates: [String], noun: String
    ) {
      for (i, selector) in selectors.enumerated() {
        let path = [field, selector.source]
        if let error = selector.error {
          findings.append(invalid(selector.source, error, path: path))
          continue
        }
        guard candidates.contains(where: selector.matches) else {
          var help = didYouMean(selector.source, among: candidates)
          if noun == "module type", !model.hasModuleTypes {
            help =
              "this model records no module types (a TorchScript export): select modules by name in "
              + "module_name_configs, or export with torch.onnx.export(..., dynamo=True)"
          }
          findings.append(
            ConfigFinding(
              ConfigFinding.ID.unmatchedSelector, .error,
              "\(field) selector '\(selector.source)' matches no \(noun) in the model", path: path, help: help))
          continue
        }
        let chosen = tracker.chosenScopes[ref(i)] ?? []
        if chosen.isEmpty {
          findings.append(
            ConfigFinding(
              ConfigFinding.ID.shadowedRule, .warning,
              "\(field) entry '\(selector.source)' has no effect: every module it matches is decided by a later "
                + "or more specific entry", path: path))
        } else if values[i] != nil, !chosen.contains(where: modulesWithOps.contains) {
          findings.append(
            ConfigFinding(
              ConfigFinding.ID.noQuantizableOps, .note,
              "\(field) entry '\(selector.source)' selects only modules without quantizable ops ("
                + chosen.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + ")", path: path))
        }
      }
    }
    moduleEntries(
      nameSelectors, values: config.moduleNameConfigs.entries.map(\.value), field: "module_name_configs",
      ref: { .name($0) }, candidates: modulePaths, noun: "module name")
    moduleEntries(
      typeSelectors, values: config.moduleTypeConfigs.entries.map(\.value), field: "module_type_configs",
      ref: { .type($0) }, candidates: moduleTypes, noun: "module type")

    let scopes: [ScopeRef] =
      [.global] + config.moduleTypeConfigs.entries.indices.map { .type($0) }
      + config.moduleNameConfigs.entries.indices.map { .name($0) }
    for ref in scopes {
      guard let selectors = opSelectors[ref] else { continue }
      let scopePath = scopeConfig(ref).scope.path
      for (byName, list) in [(true, selectors.names), (false, selectors.types)] {
        let field = byName ? "op_name_config" : "op_type_config"
        let mode = config.executionMode
        let candidates = byName ? model.opNames(in: mode) : model.allOpTypes
        let quantizable = byName ? model.ops.flatMap { $0.names(in: mode) } : model.ops.flatMap(\.types)
        for (i, selector) in list.enumerated() {
          let path = scopePath + [field, selector.source]
          let entry = OpEntryRef(scope: ref, byName: byName, index: i)
          if let error = selector.error {
            findings.append(invalid(selector.source, error, path: path))
          } else if !candidates.contains(where: selector.matches) {
            findings.append(
              ConfigFinding(
                ConfigFinding.ID.unmatchedSelector, .error,
                "\(field) selector '\(selector.source)' matches no op \(byName ? "name" : "type") in the model"
                  + (byName ? " (\(mode) mode names)" : ""),
                path: path, help: otherModeHint(selector, byName) ?? didYouMean(selector.source, among: candidates)))
          } else if !quantizable.contains(where: selector.matches) {
            findings.append(
              ConfigFinding(
                ConfigFinding.ID.noQuantizableOps, .warning,
                "\(field) selector '\(selector.source)' matches only ops Recast does not quantize", path: path))
          } else if !tracker.matchedInScope.contains(entry) {
            findings.append(
              ConfigFinding(
                ConfigFinding.ID.shadowedRule, .warning,
                "\(field) entry '\(selector.source)' has no effect: the ops it matches are not in the "
                  + "\(scopeConfig(ref).scope) scope", path: path))
          } else if !tracker.chosenOpEntries.contains(entry) {
            findings.append(
              ConfigFinding(
                ConfigFinding.ID.shadowedRule, .warning,
                "\(field) entry '\(selector.source)' has no effect: a later or more specific entry decides every "
                  + "op it matches", path: path))
          }
        }
      }
    }
    return findings
  }

  /// For an op-name selector that names ops only in the other execution mode, a hint saying so.
  private func otherModeHint(_ selector: CompiledSelector, _ byName: Bool) -> String? {
    guard byName else { return nil }
    let other: QuantizerConfig.ExecutionMode = config.executionMode == .graph ? .eager : .graph
    guard let example = model.opNames(in: other).first(where: selector.matches) else { return nil }
    return other == .eager
      ? "'\(example)' is an eager-mode call-site name; graph mode names ops as torch.export does (conv2d, conv2d_1)"
      : "'\(example)' is a graph-mode op name; eager mode names ops by call site (<module>.<op>, such as 3.conv2d)"
  }

  private func invalid(_ selector: String, _ error: String, path: [String]) -> ConfigFinding {
    ConfigFinding(
      ConfigFinding.ID.invalidSelector, .error, "selector '\(selector)' is not a valid regular expression: \(error)",
      path: path)
  }
}
