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
    let config = RecipeConfig(context.root)
    return allSpecs(context).compactMap { node in
      guard let flag = node["narrow_range"], case .bool(true)? = flag.scalar?.value,
        let problem = config.parsedSpec(node)?.narrowRangeProblem
      else { return nil }
      return .error(id, problem, at: flag.span, help: Self.help)
    }
  }

  static let help = "remove narrow_range, or use qscheme: symmetric with an integer dtype"
}
