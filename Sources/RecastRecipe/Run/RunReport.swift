import Foundation
import RecastDiagnostics
import RecastGraph
import RecastQuantization
import RecastTensor

/// The report of a run: `PREFIX.md` for people, `PREFIX.json` for machines, `PREFIX.svg` a per-layer chart
/// of weight quantization error.
///
/// Per op: its name, module, type, the spec on each tensor with the rule that supplied it (file:line), the
/// weight SQNR and the activation range. Totals: ops quantized and skipped, parameters by dtype, model size
/// before and after. Then every stage with its time and summary, the evaluate metrics, activation ranges that
/// calibration moved more than 2×, and the expectations with their actual values.
struct RunReport {
  struct TensorRow {
    var label: String
    var value: String
    var spec: String
    var rule: String
  }

  struct OpRow {
    var name: String
    var module: String
    var opType: String
    var tensors: [TensorRow]
    var weightSQNR: Double?
    /// The observed range of the op's first quantized output, else of its first quantized input.
    var activationRange: ClosedRange<Float>?
    /// `out` or `in`: which tensor `activationRange` belongs to.
    var rangeOf: String
    var quantized: Bool
  }

  var recipe: String
  var model: String
  var mode: String
  var ops: [OpRow]
  var parameters: [(dtype: String, count: Int)]
  var floatBytes: Int
  var quantizedBytes: Int
  var stages: [StageRecord]
  var expectations: [ExpectationResult]
  var rangeMoves: [RangeMove]

  init(
    setup: RunSetup, quantizer: Quantizer, finalizedBytes: Int, stages: [StageRecord],
    expectations: [ExpectationResult], rangeMoves: [RangeMove]
  ) throws {
    let plan = quantizer.plan
    recipe = setup.file
    model = setup.resolved["model"]?["path"]?.string ?? setup.modelURL.lastPathComponent
    mode = plan.mode.rawValue
    var sqnr: [String: Double] = [:]
    var counted: Set<String> = []
    var byDType: [String: Int] = [:]
    for (index, weight) in plan.weights.enumerated() {
      guard let tensor = plan.graph.initializers[weight.initializer], let qparams = quantizer.weightQParams(index) else {
        continue
      }
      let fake = try FakeQuant.apply(tensor, qparams: qparams, spec: weight.spec)
      if sqnr[weight.node] == nil { sqnr[weight.node] = Self.sqnr(tensor, fake) }
      if counted.insert(weight.initializer).inserted { byDType[weight.spec.dtype.rawValue, default: 0] += tensor.count }
    }
    var floatParameters = 0
    for (name, tensor) in plan.graph.initializers where !counted.contains(name) && tensor.dtype == .float32 {
      floatParameters += tensor.count
    }
    parameters = byDType.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    if floatParameters > 0 { parameters.append(("float32", floatParameters)) }

    var ranges: [String: ClosedRange<Float>] = [:]
    for activation in plan.activations {
      let owner = plan.qparamsOwner(of: activation.id)
      if let range = quantizer.activationRange(owner.id) { ranges[activation.value] = RecipeRunner.span(range) }
    }
    let recipeConfig = setup.recipe
    ops = setup.resolution.ops.map { resolved in
      let op = resolved.op
      let name = plan.mode == .eager ? (plan.opNames[op.name]?.eager ?? op.name) : op.name
      let tensors = resolved.tensors.map { tensor in
        let rule = "\(tensor.source)" + (recipeConfig.location(of: tensor.source).map { " (\($0))" } ?? "")
        return TensorRow(
          label: tensor.label, value: tensor.tensor.value, spec: ConfigResolution.describe(tensor.spec), rule: rule)
      }
      let output = op.outputs.lazy.compactMap { ranges[$0.value] }.first
      let input = op.inputs.lazy.compactMap { ranges[$0.value] }.first
      return OpRow(
        name: name, module: op.module.path.isEmpty ? "<root>" : op.module.path, opType: op.opType, tensors: tensors,
        weightSQNR: sqnr[op.name], activationRange: output ?? input, rangeOf: output != nil ? "out" : "in",
        quantized: resolved.isQuantized)
    }
    floatBytes = ((try? FileManager.default.attributesOfItem(atPath: setup.modelURL.path))?[.size] as? Int) ?? 0
    quantizedBytes = finalizedBytes
    self.stages = stages
    self.expectations = expectations
    self.rangeMoves = rangeMoves
  }

  static func sqnr(_ reference: Tensor, _ approximation: Tensor) -> Double {
    let a = reference.scalars(as: Float.self), b = approximation.scalars(as: Float.self)
    var signal = 0.0, noise = 0.0
    for i in a.indices {
      signal += Double(a[i]) * Double(a[i])
      noise += (Double(a[i]) - Double(b[i])) * (Double(a[i]) - Double(b[i]))
    }
    return noise == 0 ? .infinity : 10 * log10(signal / noise)
  }

  var quantizedCount: Int { ops.filter(\.quantized).count }

  // MARK: - Markdown

  func markdown() -> String {
    var out = "# Recast report: \(recipe)\n\n"
    out += "Model `\(model)`, \(mode) mode. \(quantizedCount) of \(ops.count) quantizable ops quantized, "
    out += "\(ops.count - quantizedCount) kept float.\n\n"
    out += "| | bytes |\n|---|---|\n"
    out += "| float model | \(floatBytes) |\n| exported model | \(quantizedBytes) |\n"
    if floatBytes > 0 {
      out += "| ratio | \(String(format: "%.3f", Double(quantizedBytes) / Double(floatBytes))) |\n"
    }
    out += "\nParameters by dtype: "
    out += parameters.map { "\($0.dtype) \($0.count)" }.joined(separator: ", ") + "\n\n"
    out += "## Stages\n\n| stage | seconds | result |\n|---|---|---|\n"
    for stage in stages {
      out += "| \(stage.step.label) | \(String(format: "%.3f", stage.seconds)) | \(escape(stage.summary)) |\n"
    }
    let evaluations = stages.filter { !$0.metrics.isEmpty }
    if !evaluations.isEmpty {
      out += "\n## Metrics\n\n| stage | data | samples | metric | value |\n|---|---|---|---|---|\n"
      for stage in evaluations {
        for metric in stage.metrics {
          out += "| \(stage.step.label) | \(stage.dataset ?? "") | \(stage.samples) | \(metric.name) | "
          out += "\(RecipeRunner.format(metric.value, metric: metric.name)) |\n"
        }
      }
    }
    if !expectations.isEmpty {
      out += "\n## Expectations\n\n| metric | expected | actual | result |\n|---|---|---|---|\n"
      for result in expectations {
        let actual = result.actual.map { RecipeRunner.format($0, metric: result.expectation.metric) } ?? "not measured"
        out += "| \(result.expectation.metric) | `\(result.expectation.text)` | \(actual) | "
        out += "\(result.passed ? "pass" : "**FAIL**") |\n"
      }
    }
    if !rangeMoves.isEmpty {
      out += "\n## Activation ranges calibration moved more than 2x\n\n"
      out += "| quantizer | value | seeded by prepare | after calibration | factor |\n|---|---|---|---|---|\n"
      for move in rangeMoves {
        out += "| #\(move.quantizer) | `\(move.value)` | \(range(move.seeded)) | \(range(move.calibrated)) | "
        out += "\(String(format: "%.2f", move.factor)) |\n"
      }
    }
    out += "\n## Ops\n\n| op | module | type | weight SQNR (dB) | activation range | tensors |\n|---|---|---|---|---|---|\n"
    for op in ops {
      let tensors = op.tensors.map { "\($0.label) `\($0.value)`: \($0.spec) ← \($0.rule)" }.joined(separator: "<br>")
      out += "| `\(op.name)` | `\(op.module)` | \(op.opType) | \(op.weightSQNR.map(db) ?? "") | "
      out += "\(op.activationRange.map { "\(op.rangeOf) \(range($0))" } ?? "") | \(escape(tensors)) |\n"
    }
    return out
  }

  private func escape(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
  private func db(_ value: Double) -> String { value.isInfinite ? "inf" : String(format: "%.2f", value) }
  private func range(_ range: ClosedRange<Float>) -> String {
    String(format: "[%.4g, %.4g]", range.lowerBound, range.upperBound)
  }

  // MARK: - JSON

  func json() -> String {
    func number(_ value: Double) -> JSONWriter.Value { value.isFinite ? .double(value) : .string(value > 0 ? "inf" : "-inf") }
    func rangeValue(_ range: ClosedRange<Float>?) -> JSONWriter.Value {
      range.map { .array([.double(Double($0.lowerBound)), .double(Double($0.upperBound))]) } ?? .null
    }
    let value: JSONWriter.Value = .object([
      ("recipe", .string(recipe)), ("model", .string(model)), ("mode", .string(mode)),
      (
        "totals",
        .object([
          ("quantizable_ops", .int(ops.count)), ("quantized_ops", .int(quantizedCount)),
          ("float_ops", .int(ops.count - quantizedCount)),
          ("parameters", .object(parameters.map { ($0.dtype, .int($0.count)) })),
          ("float_model_bytes", .int(floatBytes)), ("exported_model_bytes", .int(quantizedBytes)),
        ])
      ),
      (
        "stages",
        .array(
          stages.map { stage in
            .object([
              ("stage", .string(stage.step.kind.rawValue)), ("index", .int(stage.step.index)),
              ("seconds", .double(stage.seconds)), ("summary", .string(stage.summary)),
              ("data", stage.dataset.map { .string($0) } ?? .null), ("samples", .int(stage.samples)),
              ("metrics", .object(stage.metrics.map { ($0.name, number($0.value)) })),
            ])
          })
      ),
      (
        "expectations",
        .array(
          expectations.map { result in
            .object([
              ("metric", .string(result.expectation.metric)), ("expected", .string(result.expectation.text)),
              ("actual", result.actual.map(number) ?? .null), ("passed", .bool(result.passed)),
            ])
          })
      ),
      (
        "range_moves",
        .array(
          rangeMoves.map { move in
            .object([
              ("quantizer", .int(move.quantizer)), ("value", .string(move.value)),
              ("seeded", rangeValue(move.seeded)), ("calibrated", rangeValue(move.calibrated)),
              ("factor", .double(move.factor)),
            ])
          })
      ),
      (
        "ops",
        .array(
          ops.map { op in
            .object([
              ("name", .string(op.name)), ("module", .string(op.module)), ("op_type", .string(op.opType)),
              ("quantized", .bool(op.quantized)),
              ("weight_sqnr_db", op.weightSQNR.map(number) ?? .null),
              ("activation_range", rangeValue(op.activationRange)),
              ("activation_range_of", op.activationRange == nil ? .null : .string(op.rangeOf)),
              (
                "tensors",
                .array(
                  op.tensors.map { tensor in
                    .object([
                      ("tensor", .string(tensor.label)), ("value", .string(tensor.value)), ("spec", .string(tensor.spec)),
                      ("rule", .string(tensor.rule)),
                    ])
                  })
              ),
            ])
          })
      ),
    ])
    return JSONWriter.render(value, pretty: true) + "\n"
  }

  // MARK: - SVG

  /// A horizontal bar per op with a quantized weight: its weight SQNR in dB (longer is better).
  func svg() -> String {
    let rows = ops.filter { $0.weightSQNR != nil }
    let rowHeight = 18, labelWidth = 220, barWidth = 360, top = 40
    let height = top + max(rows.count, 1) * rowHeight + 30
    let finite = rows.compactMap(\.weightSQNR).filter(\.isFinite)
    let scale = max(finite.max() ?? 1, 1)
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(labelWidth + barWidth + 80)" height="\(height)" \
      font-family="sans-serif" font-size="11">
      <text x="8" y="18" font-size="13" font-weight="bold">Weight SQNR per layer (dB, higher is better)</text>

      """
    if rows.isEmpty {
      out += "<text x=\"8\" y=\"\(top + 12)\">no quantized weights</text>\n"
    }
    for (index, op) in rows.enumerated() {
      let y = top + index * rowHeight
      let value = op.weightSQNR ?? 0
      let width = value.isFinite ? max(0, Int(Double(barWidth) * value / scale)) : barWidth
      let color = value < 20 ? "#d9534f" : value < 30 ? "#f0ad4e" : "#5b9bd5"
      out += "<text x=\"8\" y=\"\(y + 12)\">\(xml(op.name))</text>\n"
      out += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(width)\" height=\"\(rowHeight - 4)\" fill=\"\(color)\"/>\n"
      out += "<text x=\"\(labelWidth + width + 4)\" y=\"\(y + 12)\">\(db(value))</text>\n"
    }
    out += "</svg>\n"
    return out
  }

  private func xml(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
