/// Module-boundary specs: `module_input_spec`, `module_output_spec`, `module_state_spec`.
extension ConfigResolver {
  /// Resolves boundary specs for every module whose scope entry matched the module itself (the global config for
  /// the root, i.e. the model's inputs, outputs and parameters). Modules whose scope gives no `module_*_spec` field
  /// contribute nothing.
  func resolveBoundaries(checks: inout SpecChecks) -> [ResolvedBoundaryTensor] {
    var result: [ResolvedBoundaryTensor] = []
    for module in model.modules {
      let (ref, deciding) = scope(for: stack(ofModule: module.path))
      guard deciding == module.path, let scopeConfig = scopeConfig(ref).config,
        let boundary = model.boundaries[module.path]
      else { continue }
      let scope = self.scopeConfig(ref).scope
      for group in TensorGroup.allCases {
        guard let specs = scopeConfig.moduleSpecs(group) else { continue }
        let items: [(value: String, parameter: String?)] =
          switch group {
          case .input: boundary.inputs.map { ($0, nil) }
          case .output: boundary.outputs.map { ($0, nil) }
          case .state: boundary.parameters.map { ($0.value, $0.name) }
          }
        for (index, item) in items.enumerated() {
          var keys = [String(index), item.value]
          if let parameter = item.parameter { keys.insert(parameter, at: 0) }
          let (spec, outcome) = Self.lookup(specs, keys: keys)
          guard case .matched = outcome, let spec else { continue }
          let source = SpecSource(
            scope: scope, rule: .moduleBoundary(module.path), field: group.moduleField, isLibraryDefault: false,
            outcome: outcome)
          let owner = model.ops.first { op in op.state.contains { $0.value == item.value } }
          let tensor =
            owner?.state.first { $0.value == item.value }
            ?? OpTensor(slot: index, value: item.value, parameter: item.parameter)
          let resolved = checks.resolveAxes(spec, tensor: tensor, group: group, op: owner, source: source)
          result.append(
            ResolvedBoundaryTensor(
              module: module, group: group, index: index, value: item.value, parameter: item.parameter,
              spec: resolved, source: source))
        }
      }
    }
    return result
  }
}
