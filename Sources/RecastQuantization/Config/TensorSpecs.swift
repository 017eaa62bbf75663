/// The specs for one tensor group of a scope (`op_input_spec`, `op_output_spec`, `op_state_spec` and the
/// `module_*_spec` fields).
///
/// A field of type `TensorSpecs?` has three states, as in coreai-opt:
/// - `nil`: the field is omitted; the library default applies (not the enclosing scope's value).
/// - `.disabled`: the field is an explicit `null`; nothing in the group is quantized.
/// - `.specs(map)`: keys select tensors, values give their spec (`nil` = that tensor is explicitly not quantized).
///
/// Keys: `"*"` (every tensor of the group), an index (`"0"`: the op's input or output slot, or the module's n-th
/// boundary tensor), or a name (`"weight"`, `"bias"`, `"running_mean"` for state tensors; a value name for
/// activations). An exact key beats `"*"`; among equal keys the later entry wins.
public enum TensorSpecs: Sendable, Hashable, ExpressibleByDictionaryLiteral {
  /// Explicit `null`: the whole group stays in floating point.
  case disabled
  /// Per-tensor specs by key.
  case specs(SelectorMap<QuantizationSpec>)

  public init(dictionaryLiteral elements: (String, QuantizationSpec?)...) {
    self = .specs(SelectorMap(elements.map { SelectorMap.Entry(selector: $0.0, value: $0.1) }))
  }

  /// Every tensor of the group gets `spec`: `{"*": spec}`.
  public static func all(_ spec: QuantizationSpec) -> TensorSpecs { ["*": spec] }

  /// The entry that selects a tensor known by `keys` (most specific first, e.g. `["weight", "1"]`), falling back
  /// to `"*"`. Returns the matched key and its value, or `nil` when no entry selects the tensor.
  public func lookup(keys: [String]) -> (key: String, spec: QuantizationSpec?)? {
    guard case .specs(let map) = self else { return nil }
    for key in keys + ["*"] {
      if let value = map[key] { return (key, value) }
    }
    return nil
  }
}

extension QuantizationSpec {
  /// coreai-opt's `default_activation_quantization_spec()`: int8, symmetric, per tensor, moving-average qparams.
  public static let defaultActivation = QuantizationSpec(
    dtype: .int8, qscheme: .symmetric, granularity: .perTensor, qparamCalculator: "moving_average")

  /// coreai-opt's `default_weight_quantization_spec()`: int8, symmetric, per output channel (axis chosen per op),
  /// static qparams.
  public static let defaultWeight = QuantizationSpec(
    dtype: .int8, qscheme: .symmetric, granularity: .perChannel(axis: nil), qparamCalculator: "static")
}
