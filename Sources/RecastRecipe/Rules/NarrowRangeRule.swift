import RecastDiagnostics
import RecastQuantization
import RecastYAML

/// `narrow_range: true` only means something for symmetric integer specs in the `zp` formulation.
struct NarrowRangeRule: LintRule {
  let id = "lint.narrow-range"
  let summary = "narrow_range on a spec that is not symmetric integer zp"
  let explanation = """
    `narrow_range: true` divides a symmetric integer scale by 2^(b-1) - 1 (127 for int8) instead of
    (qmax - qmin) / 2 (127.5), as onnxruntime's quantize_static does for weights. Asymmetric specs
    fit their observed range, the minval formulation stores the range minimum, and float formats
    have no integer range, so the flag would change nothing there and is an error.

        weight: {dtype: int8, qscheme: symmetric, narrow_range: true}    # fine
        act:    {dtype: uint8, qscheme: asymmetric, narrow_range: true}  # error
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    allSpecs(context).compactMap { spec in
      guard let flag = spec["narrow_range"], case .bool(true)? = flag.scalar?.value else { return nil }
      return Self.problem(spec).map { .error(id, $0, at: flag.span, help: Self.help) }
    }
  }

  static let help = "remove narrow_range, or use qscheme: symmetric with an integer dtype"

  /// Why `narrow_range: true` does not apply to the spec mapping `spec`, or `nil` when it does.
  static func problem(_ spec: Node) -> String? {
    let qscheme = spec["qscheme"]?.string ?? "symmetric"
    let formulation = spec["qformulation"]?.string ?? "zp"
    let dtypeText = spec["dtype"]?.string ?? ""
    let isFloat = QuantDType(parsing: dtypeText)?.isFloat ?? false
    guard qscheme != "symmetric" || formulation != "zp" || isFloat else { return nil }
    let what = isFloat ? "a \(dtypeText) spec" : qscheme != "symmetric" ? "an \(qscheme) spec" : "the \(formulation) formulation"
    return "narrow_range applies only to symmetric integer specs in the zp formulation, not to \(what)"
  }
}
