import RecastGraph
import RecastTensor

/// How the bias of a Conv or Gemm whose input and weight are both quantized is carried into the exported model.
///
/// - `int32` (default): the bias is stored as int32 codes with the per-output-channel scale `s_b = s_in · s_w`
///   (float32 product) and zero point 0, behind a `DequantizeLinear` (axis 0): `q_b = round_half_even(b / s_b)`,
///   `b̂ = q_b · s_b`. This is onnxruntime `quantize_static`'s layout, which its QDQ fusion turns into an
///   integer-only `QLinearConv`/`QGemm` (the accumulator is int32 in units of `s_in · s_w`, so an int32 bias adds
///   without rescaling); the rounding error is at most `s_b / 2`, far below one output step. The prepared model
///   applies the same rounding (with the *current* input scale), so prepare and finalize agree. A bias whose codes
///   would overflow int32 stays float, in both.
/// - `float`: biases stay float32 initializers (exactly the prepared model's float bias).
public enum BiasQuantization: String, Sendable, Hashable, CaseIterable {
  case int32
  case float
}

/// A bias quantized to int32 with `s_in · s_w`: the node, its bias initializer, the activation quantizer of the
/// node's input 0 and the weight quantizer of its input 1.
struct BiasSite: Sendable, Hashable {
  var node: String
  var initializer: String
  var activation: Int
  var weight: Int

  /// Conv and Gemm biases (input 2, rank 1, one entry per output channel) whose weight has an integer `zp`
  /// per-tensor or per-output-channel quantizer, whose input 0 is quantized, and that the plan does not quantize
  /// itself.
  static func find(in plan: QuantizationPlan) -> [BiasSite] {
    var sites: [BiasSite] = []
    let graph = plan.graph
    for node in graph.nodes where node.opType == "Conv" || node.opType == "Gemm" {
      guard let biasName = node.input(2), let bias = graph.initializers[biasName], bias.dtype == .float32,
        bias.rank == 1, let weightName = node.input(1), let weight = graph.initializers[weightName],
        let input = node.input(0)
      else { continue }
      if plan.weights.contains(where: { $0.node == node.name && $0.slot == 2 }) { continue }
      let outAxis = node.opType == "Gemm" && node.int("transB", default: 0) == 0 ? 1 : 0
      guard weight.rank > outAxis, weight.shape[outAxis] == bias.count else { continue }
      guard
        let w = plan.weights.lastIndex(where: { q in
          q.node == node.name && q.slot == 1 && !q.spec.dtype.isFloat && q.spec.qformulation == .zp
            && (q.spec.granularity == .perTensor || q.spec.granularity == .perChannel(axis: outAxis))
        })
      else { continue }
      let reading = plan.activations.last { a in
        if case .input(let n, let slot) = a.site { return n == node.name && slot == 0 && a.value == input }
        return false
      }
      guard let a = reading ?? plan.activations.last(where: { $0.site == .value && $0.value == input }) else {
        continue
      }
      sites.append(BiasSite(node: node.name, initializer: biasName, activation: a.id, weight: w))
    }
    return sites
  }

  /// int32 codes and per-channel scales `s_c = s_in · s_w[c]`, `q_c = round_half_even(b_c / s_c)`; `nil` when the
  /// input is not quantized per-tensor or a code overflows int32.
  static func quantize(_ bias: [Float], input: QParams, weight: QParams) -> (codes: [Int32], scales: [Float])? {
    guard input.scale.count == 1, weight.scale.count == 1 || weight.scale.count == bias.count else { return nil }
    var codes = [Int32](repeating: 0, count: bias.count)
    var scales = [Float](repeating: 0, count: bias.count)
    for c in bias.indices {
      let s = input.scale[0] * weight.scale[weight.scale.count == 1 ? 0 : c]
      let q = (bias[c] / s).rounded(.toNearestOrEven)
      guard q.isFinite, abs(q) <= 2_147_483_520 else { return nil }  // largest float32 below 2^31
      codes[c] = Int32(q)
      scales[c] = s
    }
    return (codes, scales)
  }

  /// The dequantized bias `q_c · s_c` (what `DequantizeLinear` computes), or the float bias when it stays float.
  static func fakeQuantize(_ bias: Tensor, input: QParams, weight: QParams) -> Tensor {
    let values = bias.scalars(as: Float.self)
    guard let (codes, scales) = quantize(values, input: input, weight: weight) else { return bias }
    return Tensor(shape: bias.shape, floats: zip(codes, scales).map { Float($0) * $1 })
  }
}
