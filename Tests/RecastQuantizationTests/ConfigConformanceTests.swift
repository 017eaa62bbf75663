import Foundation
import RecastGraph
import RecastQuantization
import TestSupport
import Testing

/// Compares Recast's resolution with what coreai-opt 0.3.0 did for the five configs in
/// `shared/conformance/coreai-opt-configs` on the BN digits network (dynamo export, which records module types).
///
/// Only weights and each module's scope (`module_config_source`) are compared: activation placement (fusion,
/// sharing, ReLU's asymmetric outputs) is the placement pass's job. The YAML files are translated by hand below;
/// loading YAML belongs to RecastRecipe.
@Suite struct ConfigConformanceTests {
  static let conv2d = "torch.nn.modules.conv.Conv2d"
  static let linear = "torch.nn.modules.linear.Linear"

  /// The five configs, as written in the case YAML files.
  static let cases: [(name: String, config: QuantizerConfig)] = [
    (
      "c1_global_only_weights",
      QuantizerConfig(executionMode: .graph, global: .weightOnly(.w4PerChannel0))
    ),
    (
      "c2_module_type_over_global",
      QuantizerConfig(moduleTypeConfigs: [linear: ModuleQuantizerConfig(opStateSpec: ["weight": .w4PerChannel0])])
    ),
    (
      "c3_module_name_over_type",
      QuantizerConfig(
        global: .weightOnly(.w8PerChannel0), moduleTypeConfigs: [conv2d: .weightOnly(.w4PerChannel0)],
        moduleNameConfigs: ["3": .weightOnly(.w2PerChannel0), "12": .weightOnly(.w8PerTensor)])
    ),
    (
      "c4_regex_fullmatch",
      QuantizerConfig(
        global: .weightOnly(.w8PerChannel0),
        moduleNameConfigs: [
          "1": .weightOnly(.w2PerChannel0), "1[24]": .weightOnly(.w4PerChannel0), "[37]": .weightOnly(.w8PerTensor),
        ])
    ),
    (
      "c5_null_disables_scope",
      QuantizerConfig(moduleTypeConfigs: ["torch.nn.modules.pooling.MaxPool2d": nil], moduleNameConfigs: ["7": nil])
    ),
  ]

  struct Weight: Hashable, CustomStringConvertible {
    var tensor: String
    var dtype: String
    var qscheme: String
    var granularity: String
    var description: String { "\(tensor) \(dtype) \(qscheme) \(granularity)" }
  }

  @Test(arguments: cases.map(\.name))
  func weightsAndModuleSourcesMatchCoreaiOpt(caseName: String) throws {
    guard let model = try ConfigFixtures.sharedModel("digits_cnn_bn.dynamo.onnx"), let shared = Paths.shared else {
      return
    }
    let url = shared.appendingPathComponent("conformance/coreai-opt-configs/\(caseName).expected.json")
    let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    let config = try #require(Self.cases.first { $0.name == caseName }?.config)
    let resolution = ConfigResolver(config: config, model: model).resolve()

    let expectedSources = try #require(expected["module_config_source"] as? [String: String])
    var sources: [String: String] = [:]
    for (module, scope) in resolution.moduleSources { sources[module.path] = scope.description }
    #expect(sources == expectedSources)

    let quantizers = try #require(expected["fake_quantizers"] as? [[String: Any]])
    let expectedWeights = Set(
      quantizers.filter { $0["kind"] as? String == "weight" }.compactMap { q -> Weight? in
        guard let tensor = q["tensor"] as? String, let dtype = q["dtype"] as? String,
          let qscheme = q["qscheme"] as? String, let granularity = q["granularity"] as? String
        else { return nil }
        return Weight(tensor: tensor, dtype: dtype, qscheme: qscheme, granularity: granularity)
      })
    let weights = Set(
      resolution.ops.flatMap(\.state).compactMap { tensor -> Weight? in
        guard let spec = tensor.spec else { return nil }
        return Weight(
          tensor: tensor.tensor.value, dtype: spec.dtype.rawValue, qscheme: spec.qscheme.rawValue,
          granularity: ConfigResolution.describe(spec.granularity))
      })
    #expect(weights == expectedWeights)
    #expect(!resolution.findings.contains { $0.severity == .error }, "\(resolution.findings.map(\.message))")
  }
}
