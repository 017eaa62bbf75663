import RecastDiagnostics
import RecastYAML
import Testing

@Suite struct YAMLWriterTests {
  // Config snippets from coreai-opt's quantization_config.md (BSD-3-Clause), used as round-trip inputs.
  static let coreaiOptMXFP4 = """
    # yaml config
    quantization_spec:
      spec1: &fp8_activation
        dtype: float8_e4m3fn

      spec2: &mxfp4_weight
        dtype: float4_e2m1fn_x2
        granularity: { type: per_block, block_size: 32 }
        scale_dtype: float8_e8m0fnu

    quantization_config:
      global_config:
        op_input_spec:
          "*": *fp8_activation # Quantize all op inputs
        op_output_spec:
          "*": *fp8_activation # Quantize all op outputs
        op_state_spec:
          weight: *mxfp4_weight # Quantize weight tensors
    """

  static let coreaiOptEmptySpecs = """
    quantization_spec:
      spec1: &int8_activation
        dtype: int8
        granularity:
          type: per_tensor

      spec2: &int8_weight
        dtype: int8
        granularity:
          type: per_channel

    quantization_config:
      global_config:
        op_input_spec: null
        op_output_spec: # empty also signifies null
        op_state_spec:
        op_name_config:
          linear_23:
            op_input_spec:
              "*": *int8_activation
            op_output_spec:
              "*": *int8_activation
            op_state_spec:
              weight: *int8_weight
    """

  static let coreaiOptModuleIndices = """
    quantization_spec:
      spec1: &int8_activation
        dtype: int8
        granularity:
          type: per_tensor
    quantization_config:
      global_config:
        op_input_spec:
          "*": *int8_activation
      module_type_configs:
        torch.nn.modules.activation.MultiheadAttention:
          op_input_spec:
          op_output_spec:
          module_input_spec:
            0: *int8_activation # query tensor
            1: *int8_activation # key tensor
          module_output_spec:
            "*": *int8_activation # attention output
    """

  static let coreaiOptTypeConfigs = """
    quantization_config:
      module_type_configs:
        torch.nn.modules.linear.Linear: null
      module_name_configs:
        model.selfattention.layer.0:
          op_type_config:
            softmax: null
    """

  static let recipe = """
    recast: 1
    name: digits-w8a8-qat
    extends: [w8a8]
    model: {path: models/digits_cnn.onnx}
    quantization_spec:
      act8: &act8 {dtype: int8, qscheme: symmetric, granularity: {type: per_tensor}}
    quantization_config:
      execution_mode: graph
      global_config:
        op_input_spec:  {"*": *act8}
        op_type_config: {Softmax: null}
        qat_schedule: {enable_observer: 0, enable_fake_quant: 0, disable_observer: 400, freeze_bn: 200}
      module_name_configs: {"classifier\\\\..*": null}
    stages:
      - prepare:   {example_inputs: calibration}
      - calibrate: {}
      - train:     {epochs: 2, optimizer: {sgd: {lr: 0.01, momentum: 0.9}}, loss: cross_entropy}
    expect:
      top1: ">= 0.98"
    """

  static let awkward = """
    strings: ["true", "null", "1", "0x10", "1.5", ".inf", "", " lead", "trail ", "a: b", "a #b", "#c", "- x",
              "*star", "&amp", "!bang", "|pipe", ">fold", "'q'", "\\"dq\\"", "%p", "@at", "`tick", "...", "---",
              "<<", "line\\nbreak", "tab\\there", "nul\\u0000", "bell\\u0007", "ÿ", "日本語", "\\u2028", "\\ufeff",
              "back\\\\slash", "{brace}", "[bracket]", "comma, here", "colon:", "~", "yes", "x:y"]
    numbers: [0, -7, 9223372036854775807, 1.5, -0.0, 1e300, 5e-324, .inf, -.inf, .nan, 100.0, 123456789.125]
    flags: [true, false, null]
    ? [complex, key]
    : value
    ? {a: 1}
    : {b: [2, {c: 3}]}
    "<<": not a merge
    tagged: !custom {k: !other v}
    seq_of_seqs: [[1, [2, []]], [{}], [{a: [b]}]]
    0: zero
    "1": one
    empty: {}
    """

  static let merges = """
    base: &b {x: 1, y: 2}
    derived:
      <<: *b
      y: 3
    """

  @Test(arguments: [
    coreaiOptMXFP4, coreaiOptEmptySpecs, coreaiOptModuleIndices, coreaiOptTypeConfigs, recipe, awkward, merges,
  ])
  func renderedYAMLReadsBackToTheSameTree(source: String) throws {
    let original = try #require(parsed(source))
    let rendered = YAMLWriter.render(original)
    let reread: Node
    do {
      reread = try YAMLReader.parse(rendered, file: "rendered.yaml")
    } catch {
      Issue.record("rendered YAML does not parse: \(error)\n\(rendered)")
      return
    }
    #expect(shape(reread) == shape(original), "\(rendered)")
    #expect(YAMLWriter.render(reread) == rendered)  // rendering is a fixed point
  }

  @Test func rendersBlockStyleDeterministically() throws {
    let node = try #require(parsed("b: {x: [1, {k: z}], e: []}\na: 'true'\nc: [[1, 2], {}]\nd: !t x\n"))
    #expect(
      YAMLWriter.render(node) == """
        b:
          x:
            - 1
            - k: z
          e: []
        a: "true"
        c:
          - - 1
            - 2
          - {}
        d: !t x

        """)
  }

  @Test func rendersScalarsAndEmptyRoots() throws {
    #expect(YAMLWriter.render(try #require(parsed(""))) == "null\n")
    #expect(YAMLWriter.render(try #require(parsed("{}"))) == "{}\n")
    #expect(YAMLWriter.render(try #require(parsed("'a: b'"))) == "\"a: b\"\n")
    #expect(YAMLWriter.render(try #require(parsed("[1.0, 2.5e-8, -.Inf]"))) == "- 1.0\n- 2.5e-08\n- -.inf\n")
  }

  @Test func quotesOnlyWhatNeedsQuoting() throws {
    let node = try #require(parsed("- int8\n- torch.nn.modules.conv.Conv2d\n- 'classifier\\..*'\n- '*'\n- 'a b'\n"))
    #expect(
      YAMLWriter.render(node) == """
        - int8
        - torch.nn.modules.conv.Conv2d
        - classifier\\..*
        - "*"
        - a b

        """)
  }

  @Test func yaml11LookalikesAreQuotedForOtherReaders() throws {
    let node = try #require(parsed("[yes, Off, n, 1_000, 0b11, '12:30', .5x, v1]"))
    let lines = YAMLWriter.render(node).split(separator: "\n")
    #expect(
      lines == [#"- "yes""#, #"- "Off""#, #"- "n""#, #"- "1_000""#, #"- "0b11""#, #"- "12:30""#, #"- ".5x""#, "- v1"])
  }

  @Test func longKeysUseTheExplicitForm() throws {
    let key = String(repeating: "k", count: 1500)
    let node = Node(
      kind: .mapping([
        Pair(
          key: Node(kind: .scalar(Scalar(text: key, value: .string(key))), span: span),
          value: Node(kind: .scalar(Scalar(text: "1", value: .int(1))), span: span))
      ]),
      span: span)
    let rendered = YAMLWriter.render(node)
    #expect(rendered.hasPrefix("? kkk"))
    #expect(try YAMLReader.parse(rendered, file: "r.yaml")[key]?.scalar?.value == .int(1))
  }

  let span = SourceSpan(file: "x", at: SourceMark(line: 1, column: 1, offset: 0))
}
