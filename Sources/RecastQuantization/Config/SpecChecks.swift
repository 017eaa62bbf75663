import RecastDiagnostics
import RecastGraph

/// Fills in omitted axes of per-channel and per-block specs and checks them against tensor shapes, collecting
/// findings (each distinct message once).
struct SpecChecks {
  private(set) var findings: [ConfigFinding] = []
  private var seen: Set<String> = []

  /// `spec` with its axis resolved for `tensor`: an explicit axis is normalised (negative counts from the end); an
  /// omitted one takes the op's default (parameters only). Reports an axis outside the rank, a missing default, and
  /// a block size that does not divide the blocked axis.
  mutating func resolveAxes(
    _ spec: QuantizationSpec, tensor: OpTensor, group: TensorGroup, op: QuantizableOp?, source: SpecSource
  ) -> QuantizationSpec {
    switch spec.granularity {
    case .perTensor: spec
    case .perChannel: resolve(spec, tensor: tensor, group: group, op: op, source: source, isBlock: false)
    case .perBlock: resolve(spec, tensor: tensor, group: group, op: op, source: source, isBlock: true)
    }
  }

  private mutating func resolve(
    _ spec: QuantizationSpec, tensor: OpTensor, group: TensorGroup, op: QuantizableOp?, source: SpecSource,
    isBlock: Bool
  ) -> QuantizationSpec {
    let what = describe(tensor, op: op)
    let kind = spec.granularity.typeName
    var axis = spec.granularity.axis
    if axis == nil {
      if group == .state, let defaults = tensor.parameter.flatMap({ op?.defaultAxes(for: $0) }) {
        axis = isBlock ? defaults.block : defaults.channel
      } else {
        let owner = op?.opType ?? "this op"
        report(
          ConfigFinding.ID.missingAxis, "\(kind) spec for \(what) gives no axis and \(owner) has no default for it",
          source: source, help: "set granularity.axis explicitly")
        return spec
      }
    }
    guard var axis else { return spec }
    var clampedBlock: Int?
    if let shape = tensor.shape {
      let rank = shape.count
      guard (-rank..<max(rank, 1)).contains(axis), rank > 0 || axis == 0 else {
        report(
          ConfigFinding.ID.axisOutOfRange,
          "\(kind) axis \(axis) is out of range for \(what) of rank \(rank) (shape \(Self.format(shape)))",
          source: source, help: rank > 0 ? "use an axis between 0 and \(rank - 1)" : nil)
        return spec
      }
      if axis < 0 { axis += rank }
      if let blockSize = spec.granularity.blockSize, axis < rank, let size = shape[axis].value, size < blockSize,
        size > 0
      {
        // An axis shorter than one block is a single block: per-channel along the other axes (the small first
        // layers of a CNN under an LLM-sized block). Recorded as a note so `explain` and `lint` show it.
        report(
          ConfigFinding.ID.blockSizeClamped,
          "block size \(blockSize) is larger than axis \(axis) of \(what) (size \(size)); one block spans the axis",
          source: source, severity: .note)
        clampedBlock = size
      } else if let blockSize = spec.granularity.blockSize {
        if blockSize <= 0 {
          report(ConfigFinding.ID.blockSize, "block size \(blockSize) for \(what) must be positive", source: source)
        } else if axis < rank, let size = shape[axis].value, size % blockSize != 0 {
          report(
            ConfigFinding.ID.blockSize,
            "block size \(blockSize) does not divide axis \(axis) of \(what) "
              + "(size \(size), shape \(Self.format(shape)))",
            source: source,
            help: "choose a block size that divides \(size), or use per_channel for this layer")
        }
      }
    }
    var resolved = spec
    resolved.granularity =
      if let blockSize = spec.granularity.blockSize { .perBlock(axis: axis, blockSize: clampedBlock ?? blockSize) } else {
        .perChannel(axis: axis)
      }
    return resolved
  }

  private func describe(_ tensor: OpTensor, op: QuantizableOp?) -> String {
    let name = tensor.parameter.map { "\($0) '\(tensor.value)'" } ?? "'\(tensor.value)'"
    return op.map { "\(name) of \($0.label)" } ?? name
  }

  static func format(_ shape: [Dimension]) -> String { "[" + shape.map(\.description).joined(separator: ", ") + "]" }

  private mutating func report(
    _ id: String, _ message: String, source: SpecSource, help: String? = nil, severity: Severity = .error
  ) {
    guard seen.insert(message).inserted else { return }
    findings.append(ConfigFinding(id, severity, message, path: source.path, help: help))
  }
}
