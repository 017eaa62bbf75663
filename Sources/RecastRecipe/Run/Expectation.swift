import Foundation
public import RecastDiagnostics
import RecastYAML

/// One `expect:` assertion: a metric, a comparison, and the value it was held against.
public struct Expectation: Sendable, Hashable {
  public enum Comparison: String, Sendable, Hashable, CaseIterable {
    case greaterOrEqual = ">=", lessOrEqual = "<=", equal = "==", notEqual = "!=", greater = ">", less = "<"

    func holds(_ actual: Double, _ bound: Double) -> Bool {
      switch self {
      case .greaterOrEqual: actual >= bound
      case .lessOrEqual: actual <= bound
      case .equal: actual == bound
      case .notEqual: actual != bound
      case .greater: actual > bound
      case .less: actual < bound
      }
    }
  }

  public var metric: String
  public var comparison: Comparison
  public var bound: Double
  /// The text as written (`">= 0.98"`).
  public var text: String
  public var span: SourceSpan

  /// Metrics an evaluate stage measures, as opposed to facts of the run (`quantized_ops`, `model_size_ratio`).
  static let evaluated: Set<String> = ["top1", "top5", "top1_drop", "sqnr", "cosine", "mse", "max_abs"]

  /// Parses `>= 0.98`.
  init(metric: String, node: Node) throws(DiagnosticError) {
    let text = node.string ?? node.scalar?.text ?? ""
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    // Longest operators first, so ">=" is not read as ">".
    guard let op = Comparison.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count })
      .first(where: { trimmed.hasPrefix($0.rawValue) }),
      let bound = Double(trimmed.dropFirst(op.rawValue.count).trimmingCharacters(in: .whitespaces))
    else {
      throw DiagnosticError(
        .error("schema.pattern", "expect.\(metric): '\(text)' is not a comparison such as '>= 0.98'", at: node.span))
    }
    self.metric = metric
    self.comparison = op
    self.bound = bound
    self.text = trimmed
    self.span = node.span
  }

  /// The recipe's expectations.
  static func parse(_ node: Node?) throws(DiagnosticError) -> [Expectation] {
    var result: [Expectation] = []
    for pair in node?.mapping ?? [] {
      guard let key = pair.key.keyString else { continue }
      result.append(try Expectation(metric: key, node: pair.value))
    }
    return result
  }

  /// Before any compute: every expected metric must be measured by some stage (or be a fact of the run).
  static func check(_ node: Node?, steps: [RunStep], datasets: [String: Dataset]) throws(DiagnosticError) {
    let expectations = try parse(node)
    let measured = Set(steps.filter { $0.kind == .evaluate }.flatMap { RunMetrics.names(for: $0, datasets: datasets) })
    var problems: [Diagnostic] = []
    for expectation in expectations {
      switch expectation.metric {
      case "quantized_ops":
        continue
      case "model_size_ratio":
        if !steps.contains(where: { $0.kind == .export }) {
          problems.append(
            .error("run.expect", "expect.model_size_ratio needs an export stage (the exported file is measured)",
              at: expectation.span))
        }
      case "top1_drop":
        if !measured.contains("top1") {
          problems.append(
            .error("run.expect", "expect.top1_drop needs an evaluate stage that measures top1 (on data with labels)",
              at: expectation.span))
        }
      default:
        if !measured.contains(expectation.metric) {
          problems.append(
            .error(
              "run.expect", "expect.\(expectation.metric): no evaluate stage measures \(expectation.metric)",
              at: expectation.span,
              help: "add it to an evaluate stage's metrics: '- evaluate: {metrics: [\(expectation.metric)]}'"))
        }
      }
    }
    if !problems.isEmpty { throw DiagnosticError(problems) }
  }
}

/// An expectation held against the run's result.
public struct ExpectationResult: Sendable, Hashable {
  public var expectation: Expectation
  /// Nil when nothing measured the metric.
  public var actual: Double?
  public var passed: Bool { actual.map { expectation.comparison.holds($0, expectation.bound) } ?? false }
}
