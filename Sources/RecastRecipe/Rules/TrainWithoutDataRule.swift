import RecastDiagnostics
import RecastYAML

/// A train stage needs training data.
struct TrainWithoutDataRule: LintRule {
  let id = "lint.train-without-data"
  let summary = "a train stage but no training data"
  let explanation = """
    A `train` stage reads batches from `data.train` (or the data set named by its own `data:`
    key). Without it there is nothing to train on:

        data:
          train: {inputs: train_x.npy, labels: train_y.npy, batch_size: 64}
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    let root = context.resolved ?? context.root
    var findings: [Diagnostic] = []
    for stage in context.root["stages"]?.sequence ?? [] {
      guard let pair = stage.mapping?.first, pair.key.keyString == "train" else { continue }
      let dataName = pair.value["data"]?.string ?? "train"
      if root["data"]?[dataName] == nil {
        let known = (root["data"]?.mapping ?? []).compactMap { $0.key.keyString }
        findings.append(
          .error(
            id, "the train stage reads data set '\(dataName)', but 'data' has no '\(dataName)' entry", at: pair.key.span,
            help: known.isEmpty ? "add data.\(dataName) with inputs and labels" : didYouMean(dataName, among: known)
              ?? "data sets defined: \(known.joined(separator: ", "))"))
      }
    }
    return findings
  }
}
