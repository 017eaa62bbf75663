import RecastDiagnostics
import RecastYAML

/// per_block granularity needs a positive `block_size`.
struct BlockSizeRule: LintRule {
  let id = "lint.block-size-missing"
  let summary = "per_block granularity without a block_size, or with one that is not positive"
  let explanation = """
    A per_block granularity splits the quantization axis into blocks of `block_size` elements,
    each with its own scale, so the size must be given and be at least 1:

        granularity: {type: per_block, block_size: 32}

    lint.block-size-missing reports a per_block granularity without block_size;
    lint.block-size-positive reports zero or a negative size. With a model (`lint --model`),
    a size that does not divide the axis is reported too.
    """

  func check(_ context: LintContext) -> [Diagnostic] {
    var findings: [Diagnostic] = []
    for granularity in allSpecs(context).compactMap({ $0["granularity"] }) {
      guard granularity["type"]?.string == "per_block" else { continue }
      // A misspelt key (`blocksize`) is the schema's finding; a second one here would only repeat it.
      let keys = (granularity.mapping ?? []).compactMap { $0.key.keyString }
      guard keys.allSatisfy(["type", "axis", "block_size"].contains) else { continue }
      guard let size = granularity["block_size"] else {
        findings.append(
          .error(
            id, "per_block granularity needs a block_size", at: granularity.span,
            help: "add block_size, for example {type: per_block, block_size: 32}"))
        continue
      }
      if case .int(let n)? = size.scalar?.value, n <= 0 {
        findings.append(
          .error("lint.block-size-positive", "block_size must be a positive number of elements; found \(n)", at: size.span))
      }
    }
    return findings
  }
}

/// Documentation for the non-positive block size finding of `BlockSizeRule`.
struct BlockSizePositiveDoc: LintRule {
  let id = "lint.block-size-positive"
  let summary = "a per_block block_size that is zero or negative"
  let explanation = """
    `block_size` counts elements along the quantized axis; it must be at least 1. Typical values
    are 32 (MXFP4, int4 LLM weights), 64 or 128.
    """
  func check(_ context: LintContext) -> [Diagnostic] { [] }
}

/// Every spec mapping in a document, each once: named specs and inline specs at config sites.
func allSpecs(_ context: LintContext) -> [Node] {
  var seen = Set<SourceSpan>()
  var specs: [Node] = []
  for pair in context.walker.namedSpecs where pair.value.mapping != nil {
    if seen.insert(pair.value.span).inserted { specs.append(pair.value) }
  }
  for site in context.walker.sites {
    guard let spec = site.spec else { continue }
    if seen.insert(spec.aliasOf ?? spec.span).inserted { specs.append(spec) }
  }
  return specs
}
