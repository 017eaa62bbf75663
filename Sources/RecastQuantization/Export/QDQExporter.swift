import RecastGraph
import RecastTensor

/// Writes a finalized quantizer as an ONNX QDQ model (onnxruntime's layout).
///
/// - Weights: codes as an initializer of the quantized type (`<w>_quantized`, sub-byte types packed), `<w>_scale`
///   (float32: `[]` per-tensor, `[C]` per-axis, blocked shape per-block) and `<w>_zero_point` (the quantized type,
///   scale-shaped), read by one `DequantizeLinear` (`axis`, `block_size`) whose output replaces the weight.
/// - Biases (`BiasQuantization.int32`): int32 codes, scale `s_in · s_w` per output channel, zero point 0, one
///   `DequantizeLinear` with axis 0.
/// - Activations: `QuantizeLinear → DequantizeLinear` at each site (`ActivationSites`). Quantizers that share
///   qparams read the same `<v>_scale` / `<v>_zero_point` initializers (those of the quantizer they share with).
/// - The `minval` formulation is rejected: its offset is a float, which `QuantizeLinear`'s integer zero point
///   cannot carry (an exact form would need an extra `Sub`/`Add` around every pair, which no runtime fuses).
/// - Opset raised as far as the dtypes need (`OpsetUpgrade`), IR version to match.
/// - Output is deterministic: names come from the plan's value names, nodes and initializers in plan order.
struct QDQExporter {
  let quantizer: Quantizer

  func export(castTo16Bit: Bool, opset requested: Int? = nil) throws -> Model {
    let plan = quantizer.plan
    let weights = try quantizer.preparedWeights()
    var graph = plan.graph
    var opset = 13
    var weightOutputs: [WeightKey: String] = [:]

    for (index, weight) in plan.weights.enumerated() {
      let qparams = weights[index]
      try Self.requireZP(qparams, what: "weight '\(weight.initializer)'")
      opset = max(opset, OpsetUpgrade.requiredOpset(qparams.dtype, blocked: qparams.blockSize != nil))
      let key = WeightKey(initializer: weight.initializer, spec: weight.spec)
      let output: String
      if let existing = weightOutputs[key] {
        output = existing
      } else {
        guard let tensor = plan.graph.initializers[weight.initializer] else {
          throw QuantizationError("no initializer '\(weight.initializer)'")
        }
        let codes = try FakeQuant.quantize(tensor, qparams: qparams)
        var attributes: OrderedMap<String, Attribute> = [:]
        if let axis = codes.axis { attributes["axis"] = .int(axis) }
        if let blockSize = codes.blockSize { attributes["block_size"] = .int(blockSize) }
        output = Self.addDequantize(
          &graph, base: weight.initializer, values: codes.values, scale: codes.scale, zeroPoint: codes.zeroPoint,
          attributes: attributes)
        weightOutputs[key] = output
      }
      graph.nodes[try quantizer.nodeIndex(weight.node, in: graph)].inputs[weight.slot] = output
    }

    for site in quantizer.biasSites {
      guard let input = try quantizer.activationQParams(site.activation),
        let bias = plan.graph.initializers[site.initializer],
        let (codes, scales) = BiasSite.quantize(
          bias.scalars(as: Float.self), input: input, weight: weights[site.weight])
      else { continue }
      let output = Self.addDequantize(
        &graph, base: site.initializer, values: Tensor(shape: [codes.count], scalars: codes, dtype: .int32),
        scale: Tensor(shape: [scales.count], floats: scales),
        zeroPoint: Tensor(zeros: .int32, shape: [codes.count]), attributes: ["axis": .int(0)])
      graph.nodes[try quantizer.nodeIndex(site.node, in: graph)].inputs[2] = output
    }

    var parameterNames: [Int: (scale: String, zeroPoint: String)] = [:]
    let state = quantizer.state
    try ActivationSites.insert(
      plan.activations, into: &graph, outputSuffix: "_DequantizeLinear_Output", inputSuffix: "_QuantizeLinear_Input"
    ) { activation, input, output, graph in
      let root = state.root[activation.id]
      guard let qparams = try state.qparams(of: activation.id) else {
        throw QuantizationError(
          "activation quantizer \(activation.id) ('\(activation.value)') has no qparams: prepare or calibrate first")
      }
      try Self.requireZP(qparams, what: "activation '\(activation.value)'")
      opset = max(opset, OpsetUpgrade.requiredOpset(qparams.dtype, blocked: qparams.blockSize != nil))
      let names: (scale: String, zeroPoint: String)
      if let existing = parameterNames[root] {
        names = existing
      } else {
        let base = plan.activations[root].value
        names = (graph.uniqueName(base + "_scale"), graph.uniqueName(base + "_zero_point"))
        graph.initializers[names.scale] = Tensor(shape: qparams.scaleShape, floats: qparams.scale)
        graph.initializers[names.zeroPoint] = FakeQuant.zeroPointTensor(qparams)
        parameterNames[root] = names
      }
      var attributes: OrderedMap<String, Attribute> = [:]
      if let axis = qparams.axis { attributes["axis"] = .int(axis) }
      if let blockSize = qparams.blockSize { attributes["block_size"] = .int(blockSize) }
      let quantized = graph.uniqueName(activation.value + "_QuantizeLinear_Output", reserved: [output])
      return [
        Node(
          name: graph.uniqueName(activation.value + "_QuantizeLinear"), opType: "QuantizeLinear",
          inputs: [input, names.scale, names.zeroPoint], outputs: [quantized], attributes: attributes),
        Node(
          name: graph.uniqueName(activation.value + "_DequantizeLinear"), opType: "DequantizeLinear",
          inputs: [quantized, names.scale, names.zeroPoint], outputs: [output], attributes: attributes),
      ]
    }
    graph.removeUnusedInitializers()

    var model = quantizer.template
    let oldOpset = model.defaultOpset ?? 17
    if let requested {
      guard requested >= max(oldOpset, opset) else {
        throw QuantizationError(
          "opset \(requested) was requested, but this model needs opset \(max(oldOpset, opset)) "
            + (opset > oldOpset ? "for the quantized types it uses" : "(the source model's opset)"),
          help: "raise 'opset' to \(max(oldOpset, opset)) or omit it")
      }
      guard requested <= Executor.latestOpset else {
        throw QuantizationError("opset \(requested) was requested; Recast writes opsets up to \(Executor.latestOpset)")
      }
    }
    let newOpset = max(oldOpset, opset, requested ?? 0)
    try OpsetUpgrade.upgrade(&graph, from: oldOpset, to: newOpset)
    if castTo16Bit { Float16Casting.apply(to: &graph) }
    model.graph = graph
    if model.opsetImports["ai.onnx"] != nil {
      model.opsetImports["ai.onnx"] = newOpset
    } else {
      model.opsetImports[""] = newOpset
    }
    model.irVersion = max(model.irVersion, OpsetUpgrade.irVersion(forOpset: newOpset))
    return model
  }

  /// Identifies an exported weight: the same initializer quantized with the same spec is exported once.
  struct WeightKey: Hashable {
    var initializer: String
    var spec: QuantizationSpec
  }

  /// Adds `<base>_quantized`, `<base>_scale`, `<base>_zero_point` and a `DequantizeLinear`; returns its output.
  static func addDequantize(
    _ graph: inout Graph, base: String, values: Tensor, scale: Tensor, zeroPoint: Tensor,
    attributes: OrderedMap<String, Attribute>
  ) -> String {
    let valuesName = graph.uniqueName(base + "_quantized")
    graph.initializers[valuesName] = values
    let scaleName = graph.uniqueName(base + "_scale")
    graph.initializers[scaleName] = scale
    let zeroName = graph.uniqueName(base + "_zero_point")
    graph.initializers[zeroName] = zeroPoint
    let output = graph.uniqueName(base + "_DequantizeLinear_Output")
    graph.insertNode(
      Node(
        name: graph.uniqueName(base + "_DequantizeLinear"), opType: "DequantizeLinear",
        inputs: [valuesName, scaleName, zeroName], outputs: [output], attributes: attributes))
    return output
  }

  static func requireZP(_ qparams: QParams, what: String) throws {
    guard qparams.offset == nil else {
      throw QuantizationError(
        "\(what) uses the minval formulation, which has no ONNX QuantizeLinear/DequantizeLinear form "
          + "(its offset is a float, ONNX zero points are integers)",
        help: "use qformulation: zp for models exported to ONNX")
    }
  }
}
