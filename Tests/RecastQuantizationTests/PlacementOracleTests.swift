import Foundation
import RecastGraph
import RecastQuantization
import TestSupport
import Testing

/// Compares Recast's placement with the fake-quantizers coreai-opt 0.3.0 placed on the BN digits CNN for the five
/// configs in `shared/conformance/coreai-opt-configs` (`*.expected.json`: graph mode, `*.eager.json`: eager mode).
///
/// Compared per quantizer: kind, tensor name, dtype, qscheme, granularity; and the groups of quantizers sharing
/// qparams. Names: graph mode uses coreai-opt's tensor names (`3.weight`, `relu_1.out0`, `graph_input`), eager mode
/// its fake-quantizer module names (`3.conv2d_quantize_input`, `3.parametrizations.weight.0`). Every remaining
/// difference must be listed, with its reason, in `Fixtures/placement-differences.md`.
@Suite struct PlacementOracleTests {
  static let models = ["digits_cnn_bn.dynamo.onnx", "digits_cnn_bn.onnx"]
  static let modes: [QuantizerConfig.ExecutionMode] = [.graph, .eager]

  /// Quantizer lines and sharing groups coreai-opt reports in `file`.
  static func expected(_ file: URL, mode: QuantizerConfig.ExecutionMode) throws -> Set<String> {
    let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    let quantizers = try #require(json["fake_quantizers"] as? [[String: Any]])
    var nameOf: [String: String] = [:]
    var lines: Set<String> = []
    for q in quantizers {
      let kind = q["kind"] as? String ?? "?"
      let fq = q["fq_module"] as? String ?? "?"
      let name = mode == .graph ? q["tensor"] as? String ?? "?" : fq
      nameOf[fq] = name
      let fields = ["dtype", "qscheme", "granularity"].map { q[$0] as? String ?? "?" }
      lines.insert("\(kind) \(name) \(fields.joined(separator: " "))")
    }
    for q in quantizers {
      let shared = q["shares_fq_with"] as? [String] ?? []
      guard !shared.isEmpty, let me = q["fq_module"] as? String else { continue }
      let group = ([me] + shared).compactMap { nameOf[$0] }.sorted()
      lines.insert("shared \(group.joined(separator: ", "))")
    }
    return lines
  }

  /// The same lines for a plan.
  static func actual(_ plan: QuantizationPlan) -> Set<String> {
    var lines: Set<String> = []
    func describe(_ spec: QuantizationSpec) -> String {
      "\(spec.dtype.rawValue) \(spec.qscheme.rawValue) \(ConfigResolution.describe(spec.granularity))"
    }
    for weight in plan.weights {
      let name = plan.mode == .graph ? weight.displayName : weight.eagerName
      lines.insert("weight \(name) \(describe(weight.spec))")
    }
    var groups: [Int: [String]] = [:]
    for quantizer in plan.activations {
      lines.insert("activation \(quantizer.displayName) \(describe(quantizer.spec))")
      if let owner = quantizer.sharesQParamsWith {
        groups[owner, default: [plan.activations[owner].displayName]].append(quantizer.displayName)
      }
    }
    for group in groups.values { lines.insert("shared \(group.sorted().joined(separator: ", "))") }
    return lines
  }

  /// The documented differences: lines `- <case> <mode> <model>: <missing|extra> <quantizer line> — <reason>`.
  static func documentedDifferences() throws -> Set<String> {
    let url = Paths.repository("Tests/RecastQuantizationTests/Fixtures/placement-differences.md")
    let text = try String(contentsOf: url, encoding: .utf8)
    return Set(
      text.split(separator: "\n").filter { $0.hasPrefix("- `") }.compactMap { line -> String? in
        let body = line.dropFirst(3)
        guard let end = body.firstIndex(of: "`") else { return nil }
        return String(body[..<end])
      })
  }

  @Test func placementMatchesCoreaiOptExceptDocumentedDifferences() throws {
    guard let shared = Paths.shared else {
      #expect(!Paths.isCI, "CI needs ../shared")
      print("skipping: ../shared is absent")
      return
    }
    var differences: Set<String> = []
    for model in Self.models {
      let onnx = try Model(contentsOf: shared.appendingPathComponent("models/\(model)"))
      for (name, config) in ConfigConformanceTests.cases {
        for mode in Self.modes {
          let suffix = mode == .graph ? "expected" : "eager"
          let file = shared.appendingPathComponent("conformance/coreai-opt-configs/\(name).\(suffix).json")
          let expected = try Self.expected(file, mode: mode)
          let plan = try Placement.plan(config: config.setExecutionMode(mode), model: onnx)
          let actual = Self.actual(plan)
          for line in expected.subtracting(actual) { differences.insert("\(name) \(mode) \(model): missing \(line)") }
          for line in actual.subtracting(expected) { differences.insert("\(name) \(mode) \(model): extra \(line)") }
        }
      }
    }
    let documented = try Self.documentedDifferences()
    #expect(
      differences == documented,
      """
      undocumented: \(differences.subtracting(documented).sorted().joined(separator: "\n"))
      no longer different: \(documented.subtracting(differences).sorted().joined(separator: "\n"))
      """)
  }
}
