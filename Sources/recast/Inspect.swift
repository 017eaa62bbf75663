import ArgumentParser
import Foundation
import RecastDiagnostics
import RecastGraph
import RecastQuantization
import RecastTensor

/// `recast inspect MODEL`: the module tree, ops, inputs, outputs and parameter counts.
struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show a model's modules, ops, inputs and outputs: the names a recipe selects by.",
    discussion: """
      Module names and types come from the exporter: torch.export-based ONNX exports record module
      scopes and classes in node metadata; TorchScript exports encode the module path in node names
      (/layer1/layer1.0/conv1/Conv is module layer1.0.conv1). Ops marked 'q' can take quantization
      specs (BatchNormalization is folded into its Conv in graph mode, not quantized by itself); each
      shows the name op_name_config matches in the chosen mode: the graph op name (conv2d_1, numbered over
      the model) or, with --mode eager, the call-site name (3.conv2d: module path, op, number in the module).
      The ONNX node name matches in both modes.
      """
  )

  @Argument(help: "The ONNX model.")
  var model: String

  @Option(help: "Output format: text or json.")
  var format: InspectFormat = .text

  @Option(help: "Which op names to show for op_name_config: graph (default) or eager call-site names.")
  var mode: QuantizerConfig.ExecutionMode = .graph

  enum InspectFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  func run() throws {
    let loaded: Model
    do {
      loaded = try Model(contentsOf: URL(fileURLWithPath: model))
    } catch {
      FileHandle.standardError.write(Data("recast: \(error)\n".utf8))
      throw ExitCode(1)
    }
    var graph = loaded.graph
    _ = try? graph.inferShapes()
    let tree = ModuleTree(graph: graph)
    // The op_name_config name of each quantizable node, in the chosen mode.
    var opNames: [String: String] = [:]
    for op in QuantizableModel(loaded).ops { opNames[op.name] = mode == .graph ? op.atenName : op.eagerName }
    let output = format == .json ? json(loaded, graph, tree, opNames) : text(loaded, graph, tree, opNames)
    FileHandle.standardOutput.write(Data(output.utf8))
  }

  /// Op types Recast quantizes: the same catalog config resolution and placement use.
  static let quantizable = QuantizableModel.quantizableOpTypes

  private func describe(_ value: ValueInfo) -> String {
    let type = value.elementType.map(\.onnxName) ?? "?"
    let shape = value.shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "[?]"
    return "\(type) \(shape)"
  }

  private func text(_ model: Model, _ graph: Graph, _ tree: ModuleTree, _ opNames: [String: String]) -> String {
    var out = "\(self.model): ONNX IR \(model.irVersion), opset \(model.defaultOpset.map(String.init) ?? "?")"
    if !model.producerName.isEmpty { out += ", from \(model.producerName) \(model.producerVersion)" }
    out += "\n\ninputs:\n"
    for input in graph.runtimeInputs { out += "  \(input.name)  \(describe(input))\n" }
    out += "outputs:\n"
    for output in graph.outputs { out += "  \(output.name)  \(describe(output))\n" }
    let quantizable = graph.nodes.filter { Self.quantizable.contains($0.opType) }.count
    out += "\n\(graph.nodes.count) ops (\(quantizable) quantizable), \(grouped(tree.modules.first?.parameters ?? 0)) parameters\n"
    out += "\nmodules (name  type  parameters), with their ops (q = quantizable; op names for op_name_config in \(mode.rawValue) mode):\n"
    for module in tree.modules {
      let indent = String(repeating: "  ", count: module.depth)
      let name = module.path.isEmpty ? "(root)" : module.path
      out += "\(indent)\(name)  \(module.type ?? "-")  \(grouped(module.parameters))\n"
      for op in module.ops {
        let mark = Self.quantizable.contains(op.opType) ? "q" : " "
        let selectorName = opNames[op.name].map { "  (op name \($0))" } ?? ""
        out += "\(indent)  \(mark) \(op.opType)  \(op.name)\(selectorName)\n"
      }
    }
    return out
  }

  private func json(_ model: Model, _ graph: Graph, _ tree: ModuleTree, _ opNames: [String: String]) -> String {
    func values(_ list: [ValueInfo]) -> JSONWriter.Value {
      .array(
        list.map { v in
          .object([
            ("name", .string(v.name)), ("dtype", v.elementType.map { .string($0.onnxName) } ?? .null),
            ("shape", v.shape.map { .array($0.map(dimension)) } ?? .null),
          ])
        })
    }
    let modules: [JSONWriter.Value] = tree.modules.map { module in
      .object([
        ("name", .string(module.path)), ("type", module.type.map { .string($0) } ?? .null),
        ("parameters", .int(module.parameters)),
        (
          "ops",
          .array(
            module.ops.map { op in
              .object([
                ("name", .string(op.name)), ("op_type", .string(op.opType)),
                ("quantizable", .bool(Self.quantizable.contains(op.opType))), ("parameters", .int(op.parameters)),
                ("op_name", opNames[op.name].map { .string($0) } ?? .null),
              ])
            })
        ),
      ])
    }
    let document: JSONWriter.Value = .object([
      ("model", .string(self.model)), ("mode", .string(mode.rawValue)), ("ir_version", .int(model.irVersion)),
      ("opset", model.defaultOpset.map { .int($0) } ?? .null),
      ("producer", .string(model.producerName)), ("inputs", values(graph.runtimeInputs)),
      ("outputs", values(graph.outputs)), ("parameters", .int(tree.modules.first?.parameters ?? 0)),
      ("modules", .array(modules)),
    ])
    return JSONWriter.render(document, pretty: true) + "\n"
  }

  private func dimension(_ d: RecastGraph.Dimension) -> JSONWriter.Value {
    switch d {
    case .fixed(let n): .int(n)
    case .symbolic(let s): .string(s)
    case .unknown: .null
    }
  }

  private func grouped(_ n: Int) -> String {
    let digits = String(n)
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0, (digits.count - i) % 3 == 0 { out += "," }
      out.append(c)
    }
    return out
  }
}
