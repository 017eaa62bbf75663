/// Eager-mode (call-site) names, as coreai-opt's eager mode reports them.
///
/// An op's call site is `<module path>.<aten type>`, numbered per type within its module (`3.conv2d`, `blk.add`,
/// `blk.add_1`); ops of the root module have the bare call name (`QuantizableOp.eagerName`, computed with the model
/// view; every node with an aten type counts, quantizable or not). Quantizers append a role: `_quantize_input` (with
/// `_<slot>` when the op has several activation inputs), `_quantize_output_<slot>`; a weight's quantizer is
/// `<module>.parametrizations.<parameter>.0`. In eager mode `op_name_config` selectors match the call sites.
public enum EagerNames {
  /// Graph and eager names of `ops` keyed by node name (`nodeName` maps an op's node index to its name).
  public static func names(for ops: [QuantizableOp], nodeName: (Int) -> String) -> [String: OpNames] {
    var result: [String: OpNames] = [:]
    for op in ops {
      result[nodeName(op.nodeIndex)] = OpNames(graph: op.atenName, eager: op.eagerName, module: op.module.path)
    }
    return result
  }

  /// The eager name of the quantizer on input `slot` of an op called `call` with `inputCount` activation inputs.
  public static func input(_ call: String, slot: Int, inputCount: Int) -> String {
    inputCount > 1 ? "\(call)_quantize_input_\(slot)" : "\(call)_quantize_input"
  }

  /// The eager name of the quantizer on output `slot` of an op called `call`.
  public static func output(_ call: String, slot: Int) -> String { "\(call)_quantize_output_\(slot)" }
}
