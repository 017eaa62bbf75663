import RecastDiagnostics
import RecastYAML

/// Activations take int8, uint8 or float8_e4m3fn; float8_e5m2 works with a warning; nothing else.
struct ActivationDTypeRule: LintRule {
  static let supported = ["int8", "uint8", "float8_e4m3fn"]

  let id = "lint.activation-dtype"
  let summary = "an activation spec uses a dtype activations cannot take"
  let explanation = """
    Activation tensors (op and module inputs and outputs) are quantized at run time by
    QuantizeLinear, which runtimes support for int8, uint8 and float8_e4m3fn. float8_e5m2 is
    accepted with the warning lint.activation-float8-e5m2 (few runtimes have kernels for it).
    Sub-byte types (int2, int4, float4_e2m1fn, ...) are weight formats only.

        op_input_spec: {"*": {dtype: int4}}     # error: use int8, uint8 or float8_e4m3fn

    Fix: give activations an 8-bit dtype, or set the spec to null to keep them in float.
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    var findings: [Diagnostic] = []
    var seen = Set<SourceSpan>()
    for site in context.walker.sites where site.role == .activation {
      guard let spec = site.spec, let dtypeNode = spec["dtype"], let dtype = dtypeNode.string else { continue }
      guard seen.insert(dtypeNode.span).inserted else { continue }
      let usedHere = dtypeNode.span.file != site.site.span.file || site.site.span != spec.span
        ? [Diagnostic.Note("used as an activation spec here", span: site.site.span)] : []
      if dtype == "float8_e5m2" {
        findings.append(
          Diagnostic(
            id: "lint.activation-float8-e5m2", severity: .warning,
            message: "float8_e5m2 activations have limited runtime support (onnxruntime runs few ops on them)",
            span: dtypeNode.span, notes: usedHere, help: "float8_e4m3fn is the widely supported 8-bit float"))
      } else if !Self.supported.contains(dtype) {
        findings.append(
          Diagnostic(
            id: id, severity: .error,
            message: "activations cannot use dtype '\(dtype)'; use one of \(Self.supported.joined(separator: ", "))",
            span: dtypeNode.span, notes: usedHere,
            help: "sub-byte and wider formats are for weights (op_state_spec); set the spec to null to keep activations in float"))
      }
    }
    return findings
  }
}

/// The documentation of the float8_e5m2 warning, which `ActivationDTypeRule` emits.
struct ActivationFloat8E5M2Doc: LintRule {
  let id = "lint.activation-float8-e5m2"
  let summary = "float8_e5m2 activations: valid, but few runtimes execute them"
  let explanation = """
    float8_e5m2 is a legal activation dtype, but onnxruntime and most QDQ consumers have few or no
    kernels for it, so the exported model may fall back to slow paths or fail to load. Prefer
    float8_e4m3fn for 8-bit float activations. This is a warning; `--strict` makes it an error.
    """
  func check(_ context: LintContext) -> [Diagnostic] { [] }
}
