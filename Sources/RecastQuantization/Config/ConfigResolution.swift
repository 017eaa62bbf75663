/// One tensor's resolved quantization: the spec (with default axes filled in) or `nil`, and the rule that decided.
public struct ResolvedTensor: Sendable, Hashable {
  public var group: TensorGroup
  public var tensor: OpTensor
  /// The spec in effect, with any omitted axis resolved; `nil` = not quantized.
  public var spec: QuantizationSpec?
  public var source: SpecSource

  public init(group: TensorGroup, tensor: OpTensor, spec: QuantizationSpec?, source: SpecSource) {
    self.group = group
    self.tensor = tensor
    self.spec = spec
    self.source = source
  }

  /// The tensor's label: the parameter name (`weight`) or `in0` / `out0`.
  public var label: String {
    switch group {
    case .state: tensor.parameter ?? "state\(tensor.slot)"
    case .input: "in\(tensor.slot)"
    case .output: "out\(tensor.slot)"
    }
  }
}

/// One quantizable op with the resolved specs of all its tensors.
public struct ResolvedOp: Sendable, Hashable {
  public var op: QuantizableOp
  /// The scope config in effect for the op's module.
  public var scope: SpecSource.Scope
  public var inputs: [ResolvedTensor]
  public var outputs: [ResolvedTensor]
  public var state: [ResolvedTensor]

  /// All tensors: inputs, state, outputs.
  public var tensors: [ResolvedTensor] { inputs + state + outputs }
  /// True when at least one tensor gets a spec.
  public var isQuantized: Bool { tensors.contains { $0.spec != nil } }
}

/// A tensor quantized at a module boundary by `module_input_spec` / `module_output_spec` / `module_state_spec`.
public struct ResolvedBoundaryTensor: Sendable, Hashable {
  public var module: ModuleInfo
  public var group: TensorGroup
  /// Position among the module's boundary inputs or outputs (parameters: position among its parameters).
  public var index: Int
  /// The value name.
  public var value: String
  /// For parameters, the name relative to the module.
  public var parameter: String?
  public var spec: QuantizationSpec?
  public var source: SpecSource
}

/// The outcome of resolving a `QuantizerConfig` against a model.
public struct ConfigResolution: Sendable {
  /// Every quantizable op in graph order.
  public var ops: [ResolvedOp]
  /// Tensors that module boundary specs select (only where a `module_*_spec` field is given).
  public var boundaryTensors: [ResolvedBoundaryTensor]
  /// The scope each module received (coreai-opt's `module_config_source`), in module order.
  public var moduleSources: [(module: ModuleInfo, scope: SpecSource.Scope)]
  /// Unmatched selectors, shadowed rules, axis and block-size problems, "quantizes nothing".
  public var findings: [ConfigFinding]
  /// The config's fusion-pattern selection, for graph-mode placement.
  public var fusionPatterns: FusionPatternSelection = .all

  /// The scope of module `path`.
  public func moduleSource(_ path: String) -> SpecSource.Scope? {
    moduleSources.first { $0.module.path == path }?.scope
  }

  /// The resolved op whose aten-style, ONNX, exporter or eager call-site name is `name`.
  public func op(named name: String) -> ResolvedOp? {
    ops.first { $0.op.names.contains(name) || $0.op.eagerName == name }
  }

  /// True when some tensor gets a spec.
  public var quantizesAnything: Bool {
    ops.contains(where: \.isQuantized) || boundaryTensors.contains { $0.spec != nil }
  }
}
