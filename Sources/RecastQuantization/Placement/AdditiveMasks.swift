import RecastGraph
import RecastTensor

/// Additive attention masks: the values a transformer adds to its attention scores right before Softmax, computed
/// from an integer `attention_mask` input and constants (`Where(mask, 0, -3.4e38)`, `(1 - mask) · -10000`).
///
/// Placement leaves them, and the masked scores they produce, in floating point, in both modes. Quantizing a mask
/// is never right: calibrated without padding (every token valid) it is all zero, its range `[0, 0]` gives the
/// guarded scale `2^−126`, and at run time the `-3.4e38` of a padding token quantizes to the zero point — the mask
/// disappears and valid tokens attend to padding. Calibrated with padding, the sentinel stretches the range until
/// every score quantizes to one level. Kept float, the Add that applies the mask reads it exactly (MiniLM W8A8: mean
/// cosine 0.8105 → 0.8635 with the mask float, 0.8647 with the masked scores float too).
///
/// A value counts as such a mask when it is not a constant and does not depend on float data — float graph inputs
/// or the output of a weighted op (an embedding Gather, a Conv, a MatMul with a constant operand) — where shapes
/// (`Shape`, `Size`) do not carry data, and it is an input of an `Add` or `Sub` on the way into a Softmax input:
/// walking back from a Softmax through `Add`, `Sub` and value-preserving ops (`Placement.sharingOpTypes`). The
/// values a mask is computed from count as masks too.
enum AdditiveMasks {
  /// Op types whose outputs depend on their inputs' shapes only.
  static let shapeOnlyOpTypes: Set<String> = ["Shape", "Size"]

  /// What placement keeps float in `graph`: the additive masks, and the values that carry one into a Softmax (the
  /// masked scores: the Add's output and any value-preserving ops up to the Softmax input), since a `-3.4e38` there
  /// is outside every calibrated range and would clamp to its minimum, which need not be small enough to mask.
  static func values(in graph: Graph) -> (masks: Set<String>, carriers: Set<String>) {
    let derived = dataDerivedValues(in: graph)
    let producers = graph.producerIndex()
    var masks: Set<String> = []
    var carriers: Set<String> = []
    var visited: Set<String> = []
    // Each entry: a value and the values walked from the Softmax input down to it.
    var pending = graph.nodes.filter { $0.opType == "Softmax" }.compactMap(\.inputs.first).map { ($0, [$0]) }
    while let (value, path) = pending.popLast() {
      guard visited.insert(value).inserted, let p = producers[value] else { continue }
      let node = graph.nodes[p]
      let data = node.inputs.filter { !$0.isEmpty && graph.constantValue(of: $0) == nil }
      switch node.opType {
      case "Add", "Sub":
        for input in data {
          if derived.contains(input) {
            pending.append((input, path + [input]))
          } else {
            masks.formUnion(ancestry(of: input, in: graph, producers: producers, derived: derived))
            carriers.formUnion(path)
          }
        }
      case _ where Placement.sharingOpTypes.contains(node.opType):
        pending.append(contentsOf: data.prefix(1).filter(derived.contains).map { ($0, path + [$0]) })
      default:
        continue
      }
    }
    return (masks, carriers)
  }

  /// `value` and every non-constant value it is computed from that does not depend on float data (the walk stops
  /// at a `Shape` of the hidden states), so that no quantizer upstream of the mask — on a Where output before an
  /// Unsqueeze — survives.
  static func ancestry(
    of value: String, in graph: Graph, producers: [String: Int], derived: Set<String>
  ) -> Set<String> {
    var result: Set<String> = []
    var pending = [value]
    while let next = pending.popLast() {
      guard !next.isEmpty, !derived.contains(next), graph.constantValue(of: next) == nil,
        result.insert(next).inserted
      else { continue }
      if let p = producers[next] { pending.append(contentsOf: graph.nodes[p].inputs) }
    }
    return result
  }

  /// Values that depend on float data: float (or untyped) graph inputs, outputs of weighted ops
  /// (`OpCatalog.parameterSlots`), and outputs of any other op reading such a value, except shape-only ops.
  static func dataDerivedValues(in graph: Graph) -> Set<String> {
    let floatTypes: Set<DataType> = [.float32, .float16, .bfloat16, .float64]
    var derived = Set(
      graph.runtimeInputs.filter { $0.elementType.map(floatTypes.contains) ?? true }.map(\.name))
    let order = (try? graph.topologicalOrder()) ?? Array(graph.nodes.indices)
    let isConstant = { (value: String) in graph.constantValue(of: value) != nil }
    for index in order {
      let node = graph.nodes[index]
      guard !shapeOnlyOpTypes.contains(node.opType) else { continue }
      let weighted = !OpCatalog.parameterSlots(of: node, constant: isConstant).isEmpty
      if weighted || node.inputs.contains(where: derived.contains) {
        derived.formUnion(node.outputs.filter { !$0.isEmpty })
      }
    }
    return derived
  }
}
