import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// The ONNX backend node tests (`test_*/model.onnx` with TensorProto inputs and expected outputs) run through
/// `Executor`. A case is selected when every node's op (subgraphs included) has an implementation at the model's
/// opset; every selected case must pass unless `Fixtures/onnx-node-exclusions.txt` lists it with a reason, and every
/// listed case must still fail.
@Suite struct ConformanceNodeTests {
  @Test func casesAreAvailable() {
    guard NodeTestSuite.folder == nil else {
      print(
        "onnx node tests: \(Executor.supportedOps.count) ops supported; \(NodeTestSuite.selected.count) of "
          + "\(NodeTestSuite.caseCount) cases selected; \(NodeTestSuite.exclusions.count) excluded; "
          + "\(NodeTestSuite.selected.count - NodeTestSuite.exclusions.count) must pass")
      return
    }
    let message =
      "ONNX node tests not found in ../shared/conformance/onnx-node or .cache/onnx-node; "
      + "run Scripts/fetch-onnx-node-tests.sh"
    if Paths.isCI { Issue.record(Comment(rawValue: message)) } else { print("skipped: \(message)") }
  }

  @Test func exclusionsAreSelectedCases() {
    guard NodeTestSuite.folder != nil else { return }
    let selected = Set(NodeTestSuite.selected.map(\.name))
    for name in NodeTestSuite.exclusions.keys.sorted() where !selected.contains(name) {
      Issue.record("excluded case \(name) is not a selected case; remove it from onnx-node-exclusions.txt")
    }
  }

  @Test(arguments: NodeTestSuite.selected)
  func nodeCase(_ testCase: NodeTestCase) {
    let failure = testCase.failure()
    if let reason = NodeTestSuite.exclusions[testCase.name] {
      #expect(failure != nil, "\(testCase.name) passes but is excluded (\(reason)); remove the stale exclusion")
    } else if let failure {
      Issue.record(Comment(rawValue: "\(testCase.name): \(failure)"))
    }
  }
}

/// One node test case folder.
struct NodeTestCase: Sendable, CustomTestStringConvertible {
  let name: String
  let folder: URL

  var testDescription: String { name }

  /// Why the case fails, or `nil` when every data set matches.
  func failure() -> String? {
    do {
      let model = try Model(contentsOf: folder.appendingPathComponent("model.onnx"))
      let atol = Self.absoluteTolerance[name] ?? 1e-5
      let executor = try Executor(model)
      let dataSets = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.hasPrefix("test_data_set_") }.sorted()
      for dataSet in dataSets {
        let directory = folder.appendingPathComponent(dataSet)
        var inputs: [String: Tensor] = [:]
        for (k, info) in executor.inputs.enumerated() {
          inputs[info.name] = try Self.load(directory.appendingPathComponent("input_\(k).pb"))
        }
        let outputs = try executor.run(inputs)
        for (k, name) in executor.outputNames.enumerated() {
          let expected = try Self.load(directory.appendingPathComponent("output_\(k).pb"))
          guard let actual = outputs[name] else { return "\(dataSet): output '\(name)' missing" }
          if let mismatch = Self.mismatch(actual, expected, atol: atol) {
            return "\(dataSet) output '\(name)': \(mismatch)"
          }
        }
      }
      return nil
    } catch {
      return "\(error)"
    }
  }

  /// Looser absolute tolerances, by case name (not by output: the cases are looked up by their folder).
  static let absoluteTolerance: [String: Float] = [
    // The expected output is written with four decimals (0.1511 for 0.15105556).
    "test_averagepool_2d_ceil_last_window_starts_on_pad": 1e-4
  ]

  static func load(_ url: URL) throws -> Tensor {
    try Tensor(serializedTensorProto: [UInt8](try Data(contentsOf: url)))
  }

  /// How `actual` differs from `expected`: dtype and shape exactly; floating-point values within rtol 1e-4 and
  /// atol 1e-5 (the backend tests' numpy reference is float32/float64, kernels sum in a different order), NaN
  /// matching NaN; integers and bools exactly.
  static func mismatch(_ actual: Tensor, _ expected: Tensor, atol: Float = 1e-5) -> String? {
    guard actual.dtype == expected.dtype else { return "dtype \(actual.dtype), expected \(expected.dtype)" }
    guard actual.shape == expected.shape else { return "shape \(actual.shape), expected \(expected.shape)" }
    guard expected.dtype.isFloatingPoint else {
      return actual.rawBytes == expected.rawBytes ? nil : "values differ (exact comparison)"
    }
    let a = actual.floats()
    let e = expected.floats()
    for i in 0..<e.count {
      if a[i].isNaN && e[i].isNaN { continue }
      if a[i] == e[i] { continue }
      if !(abs(a[i] - e[i]) <= atol + 1e-4 * abs(e[i])) {
        return "element \(i): \(a[i]), expected \(e[i])"
      }
    }
    return nil
  }
}

/// The node test folder, the selected cases and the exclusions.
enum NodeTestSuite {
  /// `../shared/conformance/onnx-node`, else `.cache/onnx-node` (filled by `Scripts/fetch-onnx-node-tests.sh`).
  static let folder: URL? = {
    var candidates: [URL] = []
    if let shared = Paths.shared { candidates.append(shared.appendingPathComponent("conformance/onnx-node")) }
    candidates.append(Paths.repository(".cache/onnx-node"))
    return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("test_abs").path) }
  }()

  static let caseNames: [String] = {
    guard let folder else { return [] }
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
      .filter { $0.hasPrefix("test_") }.sorted()
  }()

  static var caseCount: Int { caseNames.count }

  /// Cases whose every node (subgraphs included) has an implementation at the model's opset.
  static let selected: [NodeTestCase] = {
    guard let folder else { return [] }
    return caseNames.compactMap { name in
      let url = folder.appendingPathComponent(name)
      guard let model = try? Model(contentsOf: url.appendingPathComponent("model.onnx"), validate: false),
        let opset = model.defaultOpset, allSupported(model.graph, opset: opset)
      else { return nil }
      return NodeTestCase(name: name, folder: url)
    }
  }()

  static func allSupported(_ graph: Graph, opset: Int) -> Bool {
    graph.nodes.allSatisfy { node in
      Executor.supports(opType: node.opType, domain: node.domain, opset: opset)
        && node.subgraphs.allSatisfy { allSupported($0, opset: opset) }
    }
  }

  /// `case-name: reason` lines; `#` starts a comment.
  static let exclusions: [String: String] = {
    let url = Paths.repository("Tests/RecastGraphTests/Fixtures/onnx-node-exclusions.txt")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
    var result: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let colon = trimmed.firstIndex(of: ":") else { continue }
      result[String(trimmed[..<colon])] = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return result
  }()
}
