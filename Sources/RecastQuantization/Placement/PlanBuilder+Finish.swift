import RecastGraph

extension PlanBuilder {
  /// Merges requests into quantizers (one per value and site), links shared qparams, and orders everything.
  ///
  /// Per (value, site): the producer's request wins, then a module boundary's, then the first consumer's in graph
  /// order. Graph mode puts every request at `.value`, so this is the deduplication of consecutive quantizers;
  /// eager mode's consumer requests sit at `.input(node:slot:)` and stay separate.
  ///
  /// Requests on additive attention masks and the scores carrying them (`AdditiveMasks`) are dropped: those values
  /// stay float.
  func finish() -> QuantizationPlan {
    let (masks, carriers) = AdditiveMasks.values(in: graph)
    var keptFloat: [String: String] = [:]
    var keys: [String] = []
    var byKey: [String: [Request]] = [:]
    for request in requests {
      if masks.contains(request.value) || carriers.contains(request.value) {
        let what = masks.contains(request.value) ? "additive attention mask" : "scores carrying an additive mask"
        keptFloat[request.value] = "\(what) (\(request.reason)): kept float"
        continue
      }
      let key = Self.key(request.value, request.site)
      if byKey[key] == nil { keys.append(key) }
      byKey[key, default: []].append(request)
    }
    var merged: [Request] = keys.compactMap { key in
      let candidates = (byKey[key] ?? []).sorted {
        $0.kind != $1.kind ? $0.kind < $1.kind : $0.order.lexicographicallyPrecedes($1.order)
      }
      guard var primary = candidates.first else { return nil }
      let others = candidates.dropFirst()
      let agreeing = others.filter { $0.spec == primary.spec }.map(\.reason)
      let differing = others.filter { $0.spec != primary.spec }
      if !agreeing.isEmpty { primary.reason += "; also \(agreeing.joined(separator: ", "))" }
      for other in differing {
        primary.reason += "; \(other.reason) asked for \(ConfigResolution.describe(other.spec)), overridden"
      }
      primary.sharesWith = candidates.flatMap(\.sharesWith)
      return primary
    }
    merged.sort { $0.order.lexicographicallyPrecedes($1.order) }

    // Shared qparams: union the quantizers of value-preserving ops with those of their inputs.
    var parent = Array(merged.indices)
    func root(_ i: Int) -> Int {
      var i = i
      while parent[i] != i { i = parent[i] }
      return i
    }
    var valueQuantizer: [String: Int] = [:]
    for (i, request) in merged.enumerated() where request.site == .value { valueQuantizer[request.value] = i }
    for (i, request) in merged.enumerated() {
      for input in request.sharesWith {
        guard let j = valueQuantizer[input] else { continue }
        let (a, b) = (root(i), root(j))
        if a != b { parent[max(a, b)] = min(a, b) }
      }
    }
    let activations = merged.enumerated().map { i, request in
      let owner = root(i)
      let source = merged[owner]
      var reason = request.reason
      if owner != i { reason += " (qparams of \(source.displayName))" }
      return ActivationQuantizer(
        id: i, value: request.value, site: request.site, spec: source.spec, source: request.source,
        sharesQParamsWith: owner == i ? nil : owner, fixedRange: source.fixedRange, reason: reason,
        fixedQParams: source.fixedQParams, displayName: request.displayName, eagerName: request.eagerName)
    }

    var seen: Set<String> = []
    let orderedWeights = weights.filter { seen.insert("\($0.initializer)\u{0}\($0.node)").inserted }
      .sorted { (index(of: $0.node) ?? .max, $0.slot) < (index(of: $1.node) ?? .max, $1.slot) }
    var orderedBlocks = blocks
    orderedBlocks.sort { (nodeNames.firstIndex(of: $0.anchor) ?? .max) < (nodeNames.firstIndex(of: $1.anchor) ?? .max) }
    var names: [String: OpNames] = [:]
    for (node, value) in opNames where index(of: node) != nil { names[node] = value }
    return QuantizationPlan(
      mode: mode, graph: graph, weights: orderedWeights, activations: activations,
      blocks: mode == .graph ? orderedBlocks : [], opNames: names, keptFloat: keptFloat)
  }

  static func key(_ value: String, _ site: ActivationQuantizer.Site) -> String {
    switch site {
    case .value: value
    case .input(let node, let slot): "\(value)\u{0}\(node)\u{0}\(slot)"
    }
  }
}
