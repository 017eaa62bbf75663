public import RecastDiagnostics

/// Text (`recast explain`) and JSON renderings of a resolution.
extension ConfigResolution {
  /// One block per op: name, type, module and scope, then one line per tensor with its spec and source.
  ///
  /// ```
  /// conv2d_1 ('/3/Conv', Conv)  module 3 (torch.nn.modules.conv.Conv2d)  scope module_name:3
  ///   in0     '/2/Relu_output_0'  int8 symmetric per_tensor        global › op_input_spec[*] (library default)
  ///   weight  '3.weight'          int2 symmetric per_channel(axis=0)  module_name:3 › op_state_spec[weight]
  /// ```
  public func explainText() -> String {
    var lines: [String] = []
    for resolved in ops {
      let op = resolved.op
      let type = op.module.type.map { " (\($0))" } ?? ""
      let module = op.module.path.isEmpty ? "<root>" : op.module.path
      lines.append("\(op.label)  module \(module)\(type)  scope \(resolved.scope)")
      for tensor in resolved.tensors {
        let label = tensor.label.padding(toLength: 7)
        let value = "'\(tensor.tensor.value)'".padding(toLength: 24)
        let spec = Self.describe(tensor.spec).padding(toLength: 36)
        lines.append("  \(label) \(value) \(spec) \(tensor.source)")
      }
    }
    for tensor in boundaryTensors {
      let module = tensor.module.path.isEmpty ? "<root>" : tensor.module.path
      lines.append(
        "module \(module) \(tensor.group.rawValue) #\(tensor.index) '\(tensor.value)'  \(Self.describe(tensor.spec))  "
          + "\(tensor.source)")
    }
    return lines.joined(separator: "\n")
  }

  /// A short spec description: `int8 symmetric per_channel(axis=0)`, or `float` when not quantized.
  public static func describe(_ spec: QuantizationSpec?) -> String {
    guard let spec else { return "float" }
    var text = "\(spec.dtype.rawValue) \(spec.qscheme.rawValue) \(describe(spec.granularity))"
    if let scale = spec.scaleDType { text += " scale=\(scale.rawValue)" }
    if spec.narrowRange { text += " narrow_range" }
    return text
  }

  /// A spec as JSON (`null` when not quantized): dtype, qscheme, granularity, qparam calculator, and the optional
  /// fields when set (`fake_quantize`, `scale_dtype`, `narrow_range`).
  public static func specJSON(_ spec: QuantizationSpec?) -> JSONWriter.Value {
    guard let spec else { return .null }
    var fields: [(String, JSONWriter.Value)] = [
      ("dtype", .string(spec.dtype.rawValue)), ("qscheme", .string(spec.qscheme.rawValue)),
      ("granularity", .string(describe(spec.granularity))),
      ("qparam_calculator", .string(spec.qparamCalculator)),
    ]
    if spec.fakeQuantize != "default" { fields.append(("fake_quantize", .string(spec.fakeQuantize))) }
    if let scale = spec.scaleDType { fields.append(("scale_dtype", .string(scale.rawValue))) }
    if spec.narrowRange { fields.append(("narrow_range", .bool(true))) }
    return .object(fields)
  }

  /// coreai-opt's granularity spelling: `per_tensor`, `per_channel(axis=0)`, `per_block(axis=1,block_size=32)`.
  public static func describe(_ granularity: Granularity) -> String {
    switch granularity {
    case .perTensor: "per_tensor"
    case .perChannel(let axis): "per_channel(axis=\(axis.map(String.init) ?? "None"))"
    case .perBlock(let axis, let size): "per_block(axis=\(axis.map(String.init) ?? "None"),block_size=\(size))"
    }
  }

  /// The resolution as JSON: `module_config_source`, `ops` (names, types, module, tensors with spec and source),
  /// `boundary_tensors` and `findings`.
  public func json() -> JSONWriter.Value {
    func spec(_ spec: QuantizationSpec?) -> JSONWriter.Value { Self.specJSON(spec) }
    func tensor(_ t: ResolvedTensor) -> JSONWriter.Value {
      .object([
        ("group", .string(t.group.rawValue)), ("slot", .int(t.tensor.slot)), ("value", .string(t.tensor.value)),
        ("parameter", t.tensor.parameter.map { .string($0) } ?? .null), ("spec", spec(t.spec)),
        ("source", .string(t.source.description)), ("path", .array(t.source.path.map { .string($0) })),
      ])
    }
    let opsJSON: [JSONWriter.Value] = ops.map { resolved in
      let op = resolved.op
      return .object([
        ("name", .string(op.atenName)), ("onnx_name", .string(op.name)), ("op_type", .string(op.opType)),
        ("aten_type", .string(op.atenType)), ("module", .string(op.module.path)),
        ("module_type", op.module.type.map { .string($0) } ?? .null), ("scope", .string(resolved.scope.description)),
        ("tensors", .array(resolved.tensors.map(tensor))),
      ])
    }
    let boundaryJSON: [JSONWriter.Value] = boundaryTensors.map { b in
      .object([
        ("module", .string(b.module.path)), ("group", .string(b.group.rawValue)), ("index", .int(b.index)),
        ("value", .string(b.value)), ("spec", spec(b.spec)), ("source", .string(b.source.description)),
      ])
    }
    let findingsJSON: [JSONWriter.Value] = findings.map { f in
      .object([
        ("id", .string(f.id)), ("severity", .string(f.severity.rawValue)), ("message", .string(f.message)),
        ("path", .array(f.path.map { .string($0) })), ("help", f.diagnostic.help.map { .string($0) } ?? .null),
      ])
    }
    return .object([
      ("module_config_source", .object(moduleSources.map { ($0.module.path, .string($0.scope.description)) })),
      ("ops", .array(opsJSON)), ("boundary_tensors", .array(boundaryJSON)), ("findings", .array(findingsJSON)),
    ])
  }
}

extension String {
  fileprivate func padding(toLength length: Int) -> String {
    count >= length ? self : self + String(repeating: " ", count: length - count)
  }
}
