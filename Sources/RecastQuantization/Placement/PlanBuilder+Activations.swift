import RecastGraph

extension PlanBuilder {
  // MARK: Graph mode

  /// Requests for every block (or lone op) and module boundary; `finish()` merges them per value.
  mutating func placeGraphActivations() {
    for resolved in resolution.ops {
      let op = resolved.op
      let name = nodeNames[op.nodeIndex]
      if let anchor = anchorOf[name], anchor != name { continue }
      let block = blocks.first { $0.anchor == name }
      let members = (block?.nodes ?? nodes(of: op)).filter { index(of: $0) != nil }
      guard let lastName = members.last, let lastIndex = index(of: lastName) else { continue }
      let last = graph.nodes[lastIndex]
      let label = opNames[name]?.graph ?? op.atenName
      let blockNote = block.map { " [\($0.pattern)]" } ?? ""
      var inputValues: [String] = []
      for tensor in resolved.inputs {
        let value = current(tensor.tensor.value)
        inputValues.append(value)
        guard let spec = tensor.spec else { continue }
        requests.append(
          Request(
            value: value, kind: .consumer, site: .value, spec: spec, source: tensor.source,
            reason: "\(label) input \(tensor.tensor.slot)\(blockNote)", order: order(ofValue: value),
            displayName: displayName(ofValue: value)))
      }
      let shares =
        block == nil && members.count == 1 && !inputValues.isEmpty && Placement.sharingOpTypes.contains(op.opType)
      for tensor in resolved.outputs {
        guard let configured = tensor.spec else { continue }
        let slot = tensor.tensor.slot
        let value = members.count > 1 ? last.outputs[safe: slot] : current(tensor.tensor.value)
        guard let value, !value.isEmpty else { continue }
        let (spec, range, qparams, note) = Self.knownRange(last.opType, configured)
        var reason = "\(label) output \(slot)\(blockNote)"
        if members.count > 1 { reason += " (block output: \(last.opType))" }
        if let note { reason += " (\(note))" }
        if shares { reason += " (value-preserving: shares its input's qparams)" }
        requests.append(
          Request(
            value: value, kind: .producer, site: .value, spec: spec, source: tensor.source, reason: reason,
            order: order(ofValue: value), sharesWith: shares ? inputValues : [], fixedRange: range,
            fixedQParams: qparams, displayName: displayName(ofValue: value)))
      }
    }
    placeBoundaries()
  }

  /// Graph mode's known-range rules for an output of `opType`: the adjusted spec, fixed range, fixed qparams and
  /// a note. ReLU: asymmetric (dtype and observed range kept; for int8 that maps `[0, max]` with a zero point
  /// near −128). Sigmoid: uint8 asymmetric, `s = 1/256`, `z = 0` over `[0, 1]`. Tanh: uint8 symmetric,
  /// `s = 2/256`, `z = 128` over `[−1, 1]`. Float dtypes are left as configured.
  static func knownRange(_ opType: String, _ configured: QuantizationSpec)
    -> (QuantizationSpec, ClosedRangeBounds?, QParams?, String?)
  {
    guard !configured.dtype.isFloat else { return (configured, nil, nil, nil) }
    var spec = configured
    func fixed(_ scale: Float, _ zero: Int32) -> QParams {
      QParams(scale: [scale], zeroPoint: [zero], dtype: .uint8, granularity: .perTensor, scaleShape: [])
    }
    switch opType {
    case "Relu":
      spec.qscheme = .asymmetric
      spec.narrowRange = false  // a symmetric-only setting
      return (spec, nil, nil, "ReLU: asymmetric")
    case "Sigmoid":
      (spec.dtype, spec.qscheme, spec.granularity, spec.narrowRange) = (.uint8, .asymmetric, .perTensor, false)
      return (spec, ClosedRangeBounds(min: 0, max: 1), fixed(1 / 256, 0), "Sigmoid: fixed [0, 1], uint8")
    case "Tanh":
      (spec.dtype, spec.qscheme, spec.granularity, spec.narrowRange) = (.uint8, .symmetric, .perTensor, false)
      return (spec, ClosedRangeBounds(min: -1, max: 1), fixed(2 / 256, 128), "Tanh: fixed [-1, 1], uint8")
    default:
      return (spec, nil, nil, nil)
    }
  }

  /// Requests from `module_input_spec` / `module_output_spec` (state specs become weight quantizers elsewhere).
  mutating func placeBoundaries() {
    for tensor in resolution.boundaryTensors where tensor.group != .state {
      guard let spec = tensor.spec else { continue }
      let value = current(tensor.value)
      let role = tensor.group == .input ? "input" : "output"
      let module = tensor.module.path.isEmpty ? "model" : "module '\(tensor.module.path)'"
      requests.append(
        Request(
          value: value, kind: .boundary, site: .value, spec: spec, source: tensor.source,
          reason: "\(module) \(role) \(tensor.index)", order: order(ofValue: value),
          displayName: displayName(ofValue: value)))
    }
  }

  // MARK: Eager mode

  /// Own quantizers for every input (at the consumer) and output (at the value) of ops in `opTypes`.
  mutating func placeEagerActivations(opTypes: Set<String>) {
    for resolved in resolution.ops where opTypes.contains(resolved.op.opType) {
      let op = resolved.op
      let name = nodeNames[op.nodeIndex]
      let call = opNames[name]?.eager ?? op.atenName
      guard let nodeIndex = index(of: name) else { continue }
      for tensor in resolved.inputs {
        guard let spec = tensor.spec else { continue }
        let slot = tensor.tensor.slot
        let eager = EagerNames.input(call, slot: slot, inputCount: resolved.inputs.count)
        requests.append(
          Request(
            value: tensor.tensor.value, kind: .consumer, site: .input(node: name, slot: slot), spec: spec,
            source: tensor.source, reason: "\(call) input \(slot)", order: [nodeIndex, 0, slot],
            displayName: eager, eagerName: eager))
      }
      for tensor in resolved.outputs {
        guard let spec = tensor.spec else { continue }
        let eager = EagerNames.output(call, slot: tensor.tensor.slot)
        requests.append(
          Request(
            value: tensor.tensor.value, kind: .producer, site: .value, spec: spec, source: tensor.source,
            reason: "\(call) output \(tensor.tensor.slot)", order: order(ofValue: tensor.tensor.value),
            displayName: eager, eagerName: eager))
      }
    }
    placeBoundaries()
  }

  // MARK: Names and order

  /// Graph order of a quantizer on `value`: after its producer, graph inputs first.
  func order(ofValue value: String) -> [Int] {
    if let p = graph.producer(of: value) { return [p, 1, graph.nodes[p].outputs.firstIndex(of: value) ?? 0] }
    return [-1, 1, graph.runtimeInputs.firstIndex { $0.name == value } ?? 0]
  }

  /// coreai-opt's graph-mode activation name: `<producer op>.out<k>` (a MatMul+Add `linear` is named by its op
  /// also at the Add's output; a producer Recast does not quantize by its node name), or `graph_input`
  /// (`graph_input_<i>` after the first).
  func displayName(ofValue value: String) -> String {
    guard let p = graph.producer(of: value) else {
      let i = graph.runtimeInputs.firstIndex { $0.name == value } ?? 0
      return i == 0 ? "graph_input" : "graph_input_\(i)"
    }
    let node = graph.nodes[p]
    let slot = node.outputs.firstIndex(of: value) ?? 0
    let op = opsByNode[node.name].flatMap { opNames[nodeNames[$0.op.nodeIndex]]?.graph }
    return "\(op ?? node.name).out\(slot)"
  }
}

extension Array {
  fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
