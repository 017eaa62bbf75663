import RecastDiagnostics
import RecastYAML
import Testing

@Suite struct LimitTests {
  @Test func defaultsAreDocumented() {
    #expect(YAMLLimits.default == YAMLLimits(maxDepth: 256, maxNodes: 1_000_000, maxBytes: 64 << 20))
  }

  @Test func tenThousandNestedFlowSequencesFailFast() throws {
    let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    let d = try #require(failure(text))
    #expect(d.id == "yaml.depth-limit")
    #expect(d.message.contains("257"))
    #expect(d.message.contains("256"))
    #expect(position(d.span) == [1, 257])
  }

  @Test func tenThousandNestedBlockSequencesFailFast() throws {
    let text = String(repeating: "- ", count: 10_000) + "x\n"
    #expect(failure(text)?.id == "yaml.depth-limit")
  }

  @Test func deeplyNestedMappingsFailAtTheLimit() throws {
    var text = ""
    for level in 0..<300 { text += String(repeating: " ", count: level) + "k\(level):\n" }
    let d = try #require(failure(text))
    #expect(d.id == "yaml.depth-limit")
    #expect(position(d.span) == [257, 257])
  }

  @Test func nestingUpToTheLimitIsAccepted() throws {
    let text = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
    #expect(parsed(text) != nil)
    let small = YAMLLimits(maxDepth: 2)
    #expect(parsed("a: [1]", limits: small) != nil)
    #expect(failure("a: [[1]]", limits: small)?.id == "yaml.depth-limit")
  }

  @Test func billionLaughsIsRejectedQuickly() throws {
    var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for level in 1...9 {
      let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
      text += "a\(level): &a\(level) [\(refs)]\n"
    }
    let clock = ContinuousClock()
    let start = clock.now
    let d = try #require(failure(text))
    let elapsed = clock.now - start
    #expect(d.id == "yaml.alias-limit")
    #expect(d.message.contains("1000000"))
    #expect(elapsed < .seconds(1))
  }

  @Test func aliasesCountAsCopies() throws {
    let limits = YAMLLimits(maxNodes: 20)
    // 1 root + 2 keys + base (1 + 2 scalars) = 6; each alias adds 3 more.
    #expect(parsed("a: &a [1, 2]\nb: *a", limits: limits) != nil)
    let text = "a: &a [1, 2, 3, 4]\nb: [*a, *a, *a]\n"
    let d = try #require(failure(text, limits: limits))
    #expect(d.id == "yaml.alias-limit")
    #expect(position(d.span) == [2, 13])
  }

  @Test func oversizedInputIsRejectedBeforeParsing() throws {
    let limits = YAMLLimits(maxBytes: 1024)
    let d = try #require(failure(String(repeating: "# comment\n", count: 200), limits: limits))
    #expect(d.id == "yaml.too-large")
    #expect(d.message.contains("1 KiB"))
  }

  /// A document shaped like a large recipe: per-layer configs with specs, selectors and anchors (about 13
  /// nodes per 220 bytes once aliases are expanded, so 10 MiB stays well under the default node limit).
  static func largeRecipe(targetBytes: Int) -> String {
    var text = """
      recast: 1
      name: large-recipe
      quantization_spec:
        act8: &act8 {dtype: int8, qscheme: symmetric, granularity: {type: per_tensor}}
        w4: &w4
          dtype: int4
          granularity: {type: per_block, block_size: 32}
      quantization_config:
        execution_mode: graph
        module_name_configs:

      """
    var layer = 0
    while text.utf8.count < targetBytes {
      text += """
            "model\\\\.encoder\\\\.layers\\\\.\(layer)\\\\.attention\\\\.(query|key|value)_projection":
              op_input_spec: {"*": *act8}
              description: "layer \(layer) of the encoder: attention projections, activations quantized per tensor"

        """
      layer += 1
    }
    return text
  }

  @Test func tenMegabyteRecipeParses() throws {
    let text = Self.largeRecipe(targetBytes: 10 << 20)
    #expect(text.utf8.count >= 10 << 20)
    let node = try #require(parsed(text))
    let configs = try #require(node["quantization_config"]?["module_name_configs"]?.mapping)
    #expect(configs.count > 40_000)
    #expect(configs.last?.value["op_input_spec"]?["*"]?["dtype"]?.string == "int8")
  }
}
