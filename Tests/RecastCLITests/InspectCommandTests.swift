import Foundation
import Testing
import TestSupport

/// `recast inspect` on the bundled digits model: names, types and counts a recipe author relies on.
@Suite struct InspectCommandTests {
  let model = "Examples/digits/digits_cnn_bn.onnx"

  func recast(_ arguments: String...) throws -> ProcessOutput {
    try runProcess(recastExecutable, arguments, currentDirectory: Paths.repositoryRoot)
  }

  @Test func textListsModulesOpsAndShapes() throws {
    let out = try recast("inspect", model)
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stdout.contains("  input  float [batch, 1, 8, 8]\n"))
    #expect(out.stdout.contains("  logits  float [batch, 10]\n"))
    // 12 of 15: the three BatchNormalizations are folded or kept float, never quantized themselves.
    #expect(out.stdout.contains("15 ops (12 quantizable), 40,730 parameters"))
    #expect(out.stdout.contains("      BatchNormalization  /1/BatchNormalization\n"))
    #expect(out.stdout.contains("  3  -  4,608\n    q Conv  /3/Conv  (op name conv2d_1)\n"))
  }

  /// The op names op_name_config matches: graph op names by default, call-site names with --mode eager; a
  /// recipe that selects by the name shown resolves it (lint --model reports no unmatched selector).
  @Test func opNamesPerMode() throws {
    let graph = try recast("inspect", model)
    let eager = try recast("inspect", model, "--mode", "eager")
    #expect(eager.status == 0, "\(eager.stderr)")
    #expect(eager.stdout.contains("    q Conv  /3/Conv  (op name 3.conv2d)\n"))
    #expect(eager.stdout.contains("    q Relu  /5/Relu  (op name 5.relu)\n"))
    #expect(graph.stdout.contains("    q Relu  /5/Relu  (op name relu_1)\n"))
    let folder = try makeTemporaryFolder("recast-inspect")
    defer { try? FileManager.default.removeItem(at: folder) }
    for (mode, name) in [("eager", "3.conv2d"), ("graph", "conv2d_1")] {
      let recipe = folder.appendingPathComponent("\(mode).yaml")
      let text = """
        quantization_config:
          execution_mode: \(mode)
          global_config:
            op_name_config: {"\(name.replacingOccurrences(of: ".", with: "\\\\."))": null}
        """
      try Data(text.utf8).write(to: recipe)
      let lint = try recast("lint", "--model", model, recipe.path)
      #expect(lint.status == 0, "\(mode): \(lint.stdout)")
      #expect(!lint.stdout.contains("unmatched"), "\(mode): \(lint.stdout)")
    }
  }

  @Test func jsonCarriesTheSameFacts() throws {
    let out = try recast("inspect", "--format", "json", model)
    #expect(out.status == 0)
    let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    // 40,730 = conv weights 144 + 4,608 + 18,432, BN 4×(16+32+64), Linear 256·64+64 and 64·10+10.
    #expect(document["parameters"] as? Int == 40_730)
    let modules = try #require(document["modules"] as? [[String: Any]])
    #expect(modules.map { $0["name"] as? String } == [""] + (0...14).map { String($0) })
    let conv = try #require(modules.first { $0["name"] as? String == "7" }?["ops"] as? [[String: Any]])
    #expect(conv.first?["op_type"] as? String == "Conv")
    #expect(conv.first?["quantizable"] as? Bool == true)
  }

  @Test func dynamoExportsCarryModuleTypes() throws {
    guard let shared = Paths.shared else {
      if Paths.isCI { Issue.record("../shared is missing in CI") }
      print("skipped: ../shared/models/digits_cnn_bn.dynamo.onnx is not present")
      return
    }
    let out = try recast("inspect", shared.appendingPathComponent("models/digits_cnn_bn.dynamo.onnx").path)
    #expect(out.status == 0)
    #expect(out.stdout.contains("  1  torch.nn.modules.batchnorm.BatchNorm2d  64\n"))
    #expect(out.stdout.contains("  12  torch.nn.modules.linear.Linear"))
  }

  @Test func corruptModelIsAClearError() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("recast-corrupt-\(UUID().uuidString).onnx")
    try Data([0x08, 0x07, 0x12, 0xFF, 0xFF, 0x01]).write(to: url)
    let out = try recast("inspect", url.path)
    #expect(out.status == 1)
    #expect(out.stderr.hasPrefix("recast: \(url.path)"))
    #expect(out.stdout.isEmpty)
  }
}

/// `recast explain` on the bundled digits recipe: specs per tensor with the rule and its location.
@Suite struct ExplainCommandTests {
  func recast(_ arguments: String...) throws -> ProcessOutput {
    try runProcess(recastExecutable, arguments, currentDirectory: Paths.repositoryRoot)
  }

  @Test func textNamesSpecRuleAndLocation() throws {
    let out = try recast(
      "explain", "Examples/digits/w8a8_calibrated.yaml", "--model", "Examples/digits/digits_cnn_bn.onnx")
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stdout.hasPrefix("12 quantizable ops, 12 quantized\n"))
    let weightLine = try #require(out.stdout.split(separator: "\n").first { $0.contains("  weight  3.weight") })
    #expect(weightLine.contains("int8 symmetric per_channel(axis=0)"))
    #expect(weightLine.contains("global › op_state_spec[weight]"))
    #expect(weightLine.contains("<builtin>/w8a8.yaml:"))
  }

  @Test func jsonListsEveryOp() throws {
    let out = try recast(
      "explain", "--format", "json", "Examples/digits/w8a8_calibrated.yaml", "--model",
      "Examples/digits/digits_cnn_bn.onnx")
    let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    let ops = try #require(document["ops"] as? [[String: Any]])
    #expect(ops.count == 12)
    #expect(ops.first?["name"] as? String == "conv2d")
  }

  @Test func placementShowsFoldingSharingAndModes() throws {
    let graph = try recast(
      "explain", "Examples/digits/w8a8_calibrated.yaml", "--model", "Examples/digits/digits_cnn_bn.onnx")
    #expect(graph.stdout.contains("placement (graph mode): 5 weight and 9 activation quantizers"))
    #expect(graph.stdout.contains("fused conv_bn_relu: /0/Conv + /1/BatchNormalization + /2/Relu"))
    #expect(graph.stdout.contains("(BatchNorm /4/BatchNormalization folded in)"))
    #expect(graph.stdout.contains("max_pool2d.out0"))
    #expect(graph.stdout.contains("shares #2"))
    let eager = try recast(
      "explain", "Examples/digits/w8a8_calibrated.yaml", "--model", "Examples/digits/digits_cnn_bn.onnx", "--mode",
      "eager")
    #expect(eager.stdout.contains("placement (eager mode): 5 weight and 14 activation quantizers"))
    #expect(eager.stdout.contains("3.conv2d_quantize_input"))
    #expect(!eager.stdout.contains("folded in"))
  }

  @Test func lintErrorsStopExplain() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("recast-explain-\(UUID().uuidString).yaml")
    try Data("quantization_config:\n  module_name_configs: {\"nope\": null}\n".utf8).write(to: url)
    let out = try recast("explain", url.path, "--model", "Examples/digits/digits_cnn_bn.onnx")
    #expect(out.status == 1)
    #expect(out.stderr.contains("[config.unmatched-selector]"))
    #expect(out.stdout.isEmpty)
  }
}
