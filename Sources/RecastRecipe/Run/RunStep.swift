public import RecastDiagnostics
public import RecastYAML

/// One item of a recipe's `stages`: its kind, its settings (an empty map when written as `- calibrate:`), and
/// where it is written.
public struct RunStep: Sendable {
  public enum Kind: String, Sendable, CaseIterable {
    case prepare, calibrate, evaluate, train, finalize, export
  }

  /// Position in `stages`, from 0.
  public var index: Int
  public var kind: Kind
  public var settings: Node
  public var span: SourceSpan

  /// `stages[3] (evaluate)`, for messages.
  public var label: String { "stages[\(index)] (\(kind.rawValue))" }

  public func int(_ key: String) -> Int? { settings[key]?.intValue }
  public func bool(_ key: String) -> Bool? {
    if case .bool(let value)? = settings[key]?.scalar?.value { return value }
    return nil
  }
  public func string(_ key: String) -> String? { settings[key]?.string }
  public func strings(_ key: String) -> [String]? { settings[key]?.sequence?.compactMap(\.string) }
  /// The span of a setting, or of the stage when the setting is absent.
  public func span(_ key: String) -> SourceSpan { settings[key]?.span ?? span }

  /// The settings key naming the data set this stage reads (`example_inputs` for prepare), nil for stages that
  /// read none.
  public var datasetKey: String? {
    switch kind {
    case .prepare: "example_inputs"
    case .calibrate, .evaluate, .train: "data"
    case .finalize, .export: nil
    }
  }

  /// The data set this stage reads, by the schema's defaults: prepare's `example_inputs` or the first declared
  /// of calibration, train, validation (none for a weight-only recipe without data); calibrate `calibration`,
  /// evaluate `validation`, train `train`.
  public func dataset(among declared: some Collection<String>) -> String? {
    guard let key = datasetKey else { return nil }
    if let name = string(key) { return name }
    switch kind {
    case .prepare: return ["calibration", "train", "validation"].first(where: declared.contains)
    case .calibrate: return "calibration"
    case .evaluate: return "validation"
    case .train: return "train"
    case .finalize, .export: return nil
    }
  }

  /// The steps of a (resolved) recipe, in order.
  public static func steps(of root: Node) throws(DiagnosticError) -> [RunStep] {
    guard let items = root["stages"]?.sequence, !items.isEmpty else {
      throw DiagnosticError(
        .error(
          "run.no-stages", "the recipe has no stages, so there is nothing to run", at: root["stages"]?.span ?? root.span,
          help: "add e.g. 'stages: [prepare: {}, calibrate: {}, finalize: {}, export: {path: out/model.qdq.onnx}]'"))
    }
    var steps: [RunStep] = []
    for (index, item) in items.enumerated() {
      guard let pairs = item.mapping, pairs.count == 1, let key = pairs[0].key.keyString, let kind = Kind(rawValue: key)
      else {
        throw DiagnosticError(.error("schema.type", "stages[\(index)] must be a map with exactly one stage", at: item.span))
      }
      let value = pairs[0].value
      let settings = value.mapping != nil ? value : Node(kind: .mapping([]), span: value.span)
      steps.append(RunStep(index: index, kind: kind, settings: settings, span: pairs[0].key.span))
    }
    return steps
  }
}
