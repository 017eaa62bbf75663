import RecastDiagnostics
import RecastYAML

/// `float_range: [min, max]` must contain zero and be non-empty.
struct FloatRangeRule: LintRule {
  let id = "lint.float-range"
  let summary = "a float_range that excludes zero or is empty"
  let explanation = """
    `float_range: [min, max]` fixes the range a spec quantizes (either bound may be null to let
    the observer choose it). Integer quantization must represent 0 exactly, so the range must
    contain it: min <= 0 <= max, and min < max.

        float_range: [0.5, 6.0]     # error: min > 0
        float_range: [-1.0, null]   # fine: max comes from the observer
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    var findings: [Diagnostic] = []
    for range in allSpecs(context).compactMap({ $0["float_range"] }) {
      guard let items = range.sequence, items.count == 2 else { continue }
      let low = items[0].numberValue, high = items[1].numberValue
      if let low, low > 0 {
        findings.append(.error(id, "float_range minimum \(format(low)) is above 0; the range must contain 0", at: items[0].span))
      }
      if let high, high < 0 {
        findings.append(.error(id, "float_range maximum \(format(high)) is below 0; the range must contain 0", at: items[1].span))
      }
      if let low, let high, low >= high {
        findings.append(.error(id, "float_range is empty: minimum \(format(low)) is not below maximum \(format(high))", at: range.span))
      }
    }
    return findings
  }
}

/// A number as the user would write it: `2` rather than `2.0` for integral values.
func format(_ value: Double) -> String {
  value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
