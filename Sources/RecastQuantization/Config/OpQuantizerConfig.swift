/// How one op type or op name is quantized inside a scope: coreai-opt's `OpQuantizerConfig`.
///
/// `OpQuantizerConfig()` is W8A8 (every input and output int8 per tensor, `weight` int8 per channel): each field
/// left `nil` (omitted) falls back to the library default, never to the enclosing scope.
public struct OpQuantizerConfig: Sendable, Hashable {
  /// Specs for the op's activation inputs; `nil` = library default `{"*": default activation}`.
  public var opInputSpec: TensorSpecs?
  /// Specs for the op's outputs; `nil` = library default `{"*": default activation}`.
  public var opOutputSpec: TensorSpecs?
  /// Specs for the op's parameters by name; `nil` = library default `{"weight": default weight}`.
  public var opStateSpec: TensorSpecs?

  public init(opInputSpec: TensorSpecs? = nil, opOutputSpec: TensorSpecs? = nil, opStateSpec: TensorSpecs? = nil) {
    self.opInputSpec = opInputSpec
    self.opOutputSpec = opOutputSpec
    self.opStateSpec = opStateSpec
  }

  /// The library default for an omitted `op_input_spec` / `op_output_spec`: `{"*": default activation}`.
  public static let defaultActivationSpecs: TensorSpecs = .all(.defaultActivation)
  /// The library default for an omitted `op_state_spec`: `{"weight": default weight}`.
  public static let defaultStateSpecs: TensorSpecs = ["weight": .defaultWeight]

  /// The specs in effect for `group`, with the library default for an omitted field, and whether it was omitted.
  func effective(_ group: TensorGroup) -> (specs: TensorSpecs, isLibraryDefault: Bool) {
    Self.effective(group, input: opInputSpec, output: opOutputSpec, state: opStateSpec)
  }

  static func effective(_ group: TensorGroup, input: TensorSpecs?, output: TensorSpecs?, state: TensorSpecs?)
    -> (specs: TensorSpecs, isLibraryDefault: Bool)
  {
    let (field, fallback): (TensorSpecs?, TensorSpecs) =
      switch group {
      case .input: (input, defaultActivationSpecs)
      case .output: (output, defaultActivationSpecs)
      case .state: (state, defaultStateSpecs)
      }
    return field.map { ($0, false) } ?? (fallback, true)
  }
}

/// The three tensor groups of an op (and of a module boundary).
public enum TensorGroup: String, Sendable, Hashable, CaseIterable, Codable {
  /// Activation inputs.
  case input
  /// Outputs.
  case output
  /// Parameters (`weight`, `bias`, BatchNorm statistics...).
  case state

  /// The config field for this group at op level: `op_input_spec`, `op_output_spec`, `op_state_spec`.
  public var opField: String { "op_\(rawValue)_spec" }
  /// The config field for this group at a module boundary: `module_input_spec`, ...
  public var moduleField: String { "module_\(rawValue)_spec" }
}
