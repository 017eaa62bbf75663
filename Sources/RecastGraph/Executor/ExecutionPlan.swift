import RecastTensor

/// A graph compiled for repeated execution: every value has an integer slot, every node a resolved kernel, and
/// each step knows which slots it frees (values whose last consumer it is), so a run holds only live activations.
///
/// Constants (initializers, `Constant` nodes, and nodes whose inputs are all constant) are evaluated once here.
final class ExecutionPlan: Sendable {
  /// One node to run: slots read and written (`-1` for an omitted input or output), and slots to free after it.
  struct Step: Sendable {
    let label: String
    let inputs: [Int]
    let outputs: [Int]
    let releases: [Int]
    let kernel: Kernel
  }

  /// A named value bound to a slot.
  struct Binding: Sendable {
    let name: String
    let slot: Int
  }

  /// Value name of each slot.
  let names: [String]
  /// The slot array a run starts from: constants filled in, everything else `nil`.
  let initial: [Tensor?]
  /// Graph inputs the caller supplies, with their declared types.
  let inputs: [(binding: Binding, info: ValueInfo)]
  /// Values read from an enclosing graph (subgraph plans only), in sorted name order.
  let captures: [Binding]
  let outputs: [Binding]
  let steps: [Step]

  /// Compiles `graph` at `opset`. `outerScope` names the values of enclosing graphs a subgraph may read;
  /// `customKernels` (keyed by `CustomKernel.key`) take precedence over the op table and are never folded.
  init(
    graph: Graph, opset: Int, outerScope: Set<String> = [], customKernels: [String: CustomKernel] = [:]
  ) throws(ExecutorError) {
    var slots: [String: Int] = [:]
    var names: [String] = []
    var constants: [Int: Tensor] = [:]
    func newSlot(_ name: String) -> Int {
      if let slot = slots[name] { return slot }
      slots[name] = names.count
      names.append(name)
      return names.count - 1
    }

    for (name, tensor) in graph.initializers { constants[newSlot(name)] = tensor }
    var inputs: [(binding: Binding, info: ValueInfo)] = []
    for info in graph.runtimeInputs { inputs.append((Binding(name: info.name, slot: newSlot(info.name)), info)) }
    let outer = graph.outerScopeReferences()
    if let missing = outer.subtracting(outerScope).sorted().first {
      throw ExecutorError(.invalidGraph, "value '\(missing)' is read but nothing produces it")
    }
    let captures = outer.sorted().map { Binding(name: $0, slot: newSlot($0)) }

    let order: [Int]
    do {
      order = try graph.topologicalOrder()
    } catch {
      throw ExecutorError(.invalidGraph, error.message)
    }
    // Everything visible to this graph's subgraphs: the enclosing scopes plus every value defined here.
    var visible = outerScope.union(graph.initializers.keys).union(graph.inputs.map(\.name))
    for node in graph.nodes { visible.formUnion(node.presentOutputs) }

    var steps: [(label: String, inputs: [Int], outputs: [Int], kernel: Kernel)] = []
    for index in order {
      let node = graph.nodes[index]
      if node.opType == "Constant", node.domain.isEmpty || node.domain == "ai.onnx" {
        guard let value = node.constantTensor, let output = node.outputs.first, !output.isEmpty else {
          throw ExecutorError(
            .unsupportedOp, "node \(node.label): only tensor, float(s) and int(s) Constant values are supported")
        }
        constants[newSlot(output)] = value
        continue
      }
      if let custom = customKernels[CustomKernel.key(domain: node.domain, opType: node.opType)] {
        let run: CustomKernel.Run
        do {
          run = try custom.compile(node)
        } catch {
          throw Self.kernelError(error, label: node.label)
        }
        var inputSlots: [Int] = []
        for name in node.inputs {
          guard name.isEmpty || slots[name] != nil else {
            throw ExecutorError(.invalidGraph, "node \(node.label) reads '\(name)', which nothing produces before it")
          }
          inputSlots.append(name.isEmpty ? -1 : slots[name]!)
        }
        steps.append((node.label, inputSlots, node.outputs.map { $0.isEmpty ? -1 : newSlot($0) }, run))
        continue
      }
      guard let definition = OpRegistry.definition(node.opType, domain: node.domain, opset: opset) else {
        throw Self.unsupportedOp(node, opset: opset)
      }
      let visibleNow = visible
      let context = NodeContext(
        node: node, opset: opset,
        constantValue: { name in slots[name].flatMap { constants[$0] } },
        compileSubgraph: { subgraph throws(ExecutorError) in
          try ExecutionPlan(graph: subgraph, opset: opset, outerScope: visibleNow, customKernels: customKernels)
        })
      let compiled = try definition.compile(context)
      var inputSlots: [Int] = []
      for name in node.inputs + compiled.captures {
        if name.isEmpty {
          inputSlots.append(-1)
        } else if let slot = slots[name] {
          inputSlots.append(slot)
        } else {
          throw ExecutorError(.invalidGraph, "node \(node.label) reads '\(name)', which nothing produces before it")
        }
      }
      // Fold nodes whose every input is constant (shape arithmetic on weights, casts of constants).
      if !inputSlots.isEmpty, compiled.captures.isEmpty, inputSlots.allSatisfy({ $0 < 0 || constants[$0] != nil }) {
        let values = inputSlots.map { $0 < 0 ? nil : constants[$0] }
        let results: [Tensor]
        do {
          results = try compiled.kernel(values)
        } catch {
          throw Self.kernelError(error, label: node.label)
        }
        for (k, output) in node.outputs.enumerated() where !output.isEmpty && k < results.count {
          constants[newSlot(output)] = results[k]
        }
        continue
      }
      let outputSlots = node.outputs.map { $0.isEmpty ? -1 : newSlot($0) }
      steps.append((node.label, inputSlots, outputSlots, compiled.kernel))
    }

    var outputs: [Binding] = []
    for info in graph.outputs {
      guard let slot = slots[info.name] else {
        throw ExecutorError(.invalidGraph, "graph output '\(info.name)' is not produced by any node")
      }
      outputs.append(Binding(name: info.name, slot: slot))
    }

    // Memory plan: free each computed value after its last reader; never free outputs or constants.
    let kept = Set(outputs.map(\.slot)).union(constants.keys)
    var lastUse = [Int](repeating: -1, count: names.count)
    for (position, step) in steps.enumerated() {
      for slot in step.inputs where slot >= 0 { lastUse[slot] = position }
      for slot in step.outputs where slot >= 0 && lastUse[slot] < position { lastUse[slot] = position }
    }
    var releases = [[Int]](repeating: [], count: steps.count)
    for slot in 0..<names.count where lastUse[slot] >= 0 && !kept.contains(slot) {
      releases[lastUse[slot]].append(slot)
    }

    var initial = [Tensor?](repeating: nil, count: names.count)
    for (slot, tensor) in constants { initial[slot] = tensor }
    self.names = names
    self.initial = initial
    self.inputs = inputs
    self.captures = captures
    self.outputs = outputs
    self.steps = steps.enumerated().map { position, step in
      Step(
        label: step.label, inputs: step.inputs, outputs: step.outputs, releases: releases[position],
        kernel: step.kernel)
    }
  }

  /// Runs every step over `values` (which must hold the inputs and captures), calling `observer` with each value
  /// a node produces.
  func execute(_ values: inout [Tensor?], observer: ((String, Tensor) -> Void)?) throws(ExecutorError) {
    var arguments: [Tensor?] = []
    for step in steps {
      arguments.removeAll(keepingCapacity: true)
      for slot in step.inputs { arguments.append(slot < 0 ? nil : values[slot]) }
      let results: [Tensor]
      do {
        results = try step.kernel(arguments)
      } catch {
        throw Self.kernelError(error, label: step.label)
      }
      for (k, slot) in step.outputs.enumerated() where slot >= 0 {
        guard k < results.count else {
          throw ExecutorError(.kernel, "node \(step.label) produced \(results.count) outputs; output \(k) is needed")
        }
        values[slot] = results[k]
        observer?(names[slot], results[k])
      }
      arguments.removeAll(keepingCapacity: true)
      for slot in step.releases { values[slot] = nil }
    }
  }

  /// Every value name a run computes (node outputs not folded to constants), in execution order.
  var computedValues: [String] { steps.flatMap { $0.outputs.filter { $0 >= 0 }.map { names[$0] } } }

  static func kernelError(_ error: any Error, label: String) -> ExecutorError {
    if let error = error as? ExecutorError {
      return ExecutorError(error.kind, "node \(label): \(error.message)")
    }
    return ExecutorError(.kernel, "node \(label): \(error)")
  }

  static func unsupportedOp(_ node: Node, opset: Int) -> ExecutorError {
    let domain = node.domain.isEmpty ? "" : " in domain '\(node.domain)'"
    let versions = OpRegistry.table[node.opType].map { definitions in
      " (implemented for opsets "
        + definitions.map { "\($0.opsets.lowerBound)–\($0.opsets.upperBound)" }
        .joined(separator: ", ") + ")"
    }
    return ExecutorError(
      .unsupportedOp,
      "node \(node.label): op \(node.opType)\(domain) at opset \(opset) is not supported\(versions ?? ""); "
        + "supported ops: \(OpRegistry.summary)")
  }
}
