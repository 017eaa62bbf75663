public import Foundation
public import RecastDiagnostics
public import RecastGraph
public import RecastQuantization
public import RecastYAML

/// How `recast run` was asked to run a recipe.
public struct RunConfiguration: Sendable {
  /// Extra preset directories (`--preset-path`, then `RECAST_PRESET_PATH`).
  public var presetDirectories: [String]
  /// `--set` overrides, applied in order before linting.
  public var overrides: [RecipeOverride]
  /// Folder that relative export paths are resolved against; nil: the recipe's folder.
  public var outputDirectory: String?
  /// Recast's version, recorded in the lock file.
  public var version: String

  public init(
    presetDirectories: [String] = [], overrides: [RecipeOverride] = [], outputDirectory: String? = nil,
    version: String
  ) {
    self.presetDirectories = presetDirectories
    self.overrides = overrides
    self.outputDirectory = outputDirectory
    self.version = version
  }
}

/// A recipe ready to run: read, overridden, linted (with its model), presets resolved, model loaded, stages
/// parsed and every data set the stages use loaded and checked against the model — all before any compute.
public struct RunSetup: Sendable {
  public let file: String
  /// The recipe's text, for rendering diagnostics.
  public let text: String?
  public let configuration: RunConfiguration
  /// The recipe document after `--set` overrides.
  public let document: RecastYAML.Node
  /// The document merged with the presets it extends.
  public let resolved: RecastYAML.Node
  public let recipe: RecipeConfig
  public let config: QuantizerConfig
  /// The config resolved against the model: the spec of every quantizable op's tensors and the rule behind it.
  public let resolution: ConfigResolution
  public let modelURL: URL
  public let model: Model
  public let steps: [RunStep]
  /// Data sets by name (only those some stage uses).
  public let datasets: [String: Dataset]
  /// Lint warnings (errors stop the setup).
  public let warnings: [Diagnostic]
  /// The presets the recipe pulls in, in resolution order.
  public let presets: [PresetUse]
  /// Where the export stage writes, if there is one.
  public let outputs: RunOutputs?

  /// Reads and checks `file`. Every problem found before compute is thrown as diagnostics.
  public init(file: String, configuration: RunConfiguration) throws(DiagnosticError) {
    self.file = file
    self.configuration = configuration
    let library = PresetLibrary(directories: configuration.presetDirectories)
    let linter = Linter(presets: library)
    guard let data = FileManager.default.contents(atPath: file) else {
      let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read" : "does not exist"
      throw DiagnosticError(.error("io.read", "recipe '\(file)' \(reason)", at: nil))
    }
    text = String(decoding: data, as: UTF8.self)
    var document = try YAMLReader.parse(bytes: [UInt8](data), file: file)
    for override in configuration.overrides { document = try override.apply(to: document) }
    self.document = document

    var diagnostics = linter.lint(document, file: file)
    guard !diagnostics.hasErrors else { throw DiagnosticError(diagnostics.filter { $0.severity == .error }) }
    guard document["recast"] != nil || document["stages"] != nil else {
      throw DiagnosticError(
        .error(
          "run.not-a-recipe", "'\(file)' is a preset, not a recipe: it has no 'recast:', 'model' or 'stages'",
          at: document.span, help: "write a recipe that extends it, with model, data and stages"))
    }
    let merged = PresetResolver(library: library).resolve(document, file: file)
    guard let resolved = merged.node else { throw DiagnosticError(merged.diagnostics) }
    self.resolved = resolved
    presets = PresetUse.collect(document, file: file, library: library)

    guard let modelNode = resolved["model"]?["path"], let modelPath = modelNode.string else {
      throw DiagnosticError(
        .error("run.no-model", "the recipe names no model", at: resolved["model"]?.span ?? document.span,
          help: "add 'model: {path: model.onnx}' or pass --set model.path=FILE"))
    }
    modelURL = RecipePath.resolve(modelPath, declaredIn: modelNode)
    guard FileManager.default.fileExists(atPath: modelURL.path) else {
      throw DiagnosticError(
        .error("run.model-missing", "model '\(modelPath)' does not exist (looked for \(modelURL.path))", at: modelNode.span))
    }
    if let expected = resolved["model"]?["sha256"]?.string {
      let actual = (try? SHA256.hex(contentsOf: modelURL)) ?? "unreadable"
      guard actual == expected else {
        throw DiagnosticError(
          .error(
            "run.model-digest", "model '\(modelPath)' has sha256 \(actual), but the recipe expects \(expected)",
            at: resolved["model"]?["sha256"]?.span))
      }
    }
    do {
      model = try Model(contentsOf: modelURL)
    } catch {
      throw DiagnosticError(.error("run.model", "cannot load model '\(modelPath)': \(error)", at: modelNode.span))
    }

    diagnostics += linter.modelFindings(document, file: file, model: model)
    guard !diagnostics.hasErrors else { throw DiagnosticError(diagnostics.filter { $0.severity == .error }) }
    warnings = diagnostics.sortedByLocation()

    recipe = RecipeConfig(resolved)
    steps = try RunStep.steps(of: resolved)
    config = try recipe.quantizerConfig()
    self.resolution = ConfigResolver(config: config, model: model).resolve()

    var datasets: [String: Dataset] = [:]
    for name in try Self.datasetNames(steps, resolved: resolved) {
      datasets[name] = try Dataset.load(name, from: resolved, model: model.graph)
    }
    self.datasets = datasets
    try Self.checkStages(steps, datasets: datasets, model: model)
    outputs = try RunOutputs(steps: steps, file: file, configuration: configuration, modelFile: modelURL)
    try Expectation.check(resolved["expect"], steps: steps, datasets: datasets)
  }

  /// Settings this build cannot execute, and metrics or losses that need labels the data lacks, are refused
  /// before anything runs.
  private static func checkStages(
    _ steps: [RunStep], datasets: [String: Dataset], model: Model
  ) throws(DiagnosticError) {
    let output = model.graph.outputs.first?.name ?? ""
    func hasLabels(_ step: RunStep, output: String) -> Bool {
      step.dataset(among: datasets.keys).flatMap { datasets[$0] }?.labels[output] != nil
    }
    var problems: [Diagnostic] = []
    for step in steps {
      switch step.kind {
      case .train:
        let settings = try TrainSettings(step)
        if settings.loss.needsLabels && !hasLabels(step, output: output) {
          problems.append(
            .error(
              "run.labels", "\(step.label): the loss needs labels, but data set '\(settings.data)' has none",
              at: step.settings["loss"]?.span ?? step.span,
              help: "add 'labels:' to data.\(settings.data), or use 'loss: distillation' (needs no labels)"))
        }
      case .evaluate:
        let metrics = RunMetrics.names(for: step, datasets: datasets)
        let evaluated = step.string("output") ?? output
        guard model.graph.outputs.contains(where: { $0.name == evaluated }) else {
          problems.append(
            .error(
              "run.evaluate", "\(step.label): the model has no output '\(evaluated)'", at: step.span("output"),
              help: "outputs: \(model.graph.outputs.map(\.name).joined(separator: ", "))"))
          continue
        }
        if metrics.contains(where: { $0 == "top1" || $0 == "top5" }) && !hasLabels(step, output: evaluated) {
          problems.append(
            .error(
              "run.labels",
              "\(step.label) measures accuracy, but data set '\(step.dataset(among: datasets.keys) ?? "")' has no "
                + "labels for output '\(evaluated)'", at: step.span("metrics")))
        }
      case .finalize where step.string("backend") == "coreml":
        problems.append(
          .error(
            "run.unsupported", "\(step.label): the coreml backend is not available in this version of Recast",
            at: step.span("backend"), help: "use 'backend: onnx'"))
      default: break
      }
    }
    if !problems.isEmpty { throw DiagnosticError(problems) }
  }

  /// The data set each stage reads, by the defaults the schema documents.
  static func datasetNames(_ steps: [RunStep], resolved: RecastYAML.Node) throws(DiagnosticError) -> [String] {
    let declared = (resolved["data"]?.mapping ?? []).compactMap { $0.key.keyString }
    var names: [String] = []
    func use(_ name: String?, _ step: RunStep, key: String, fallback: String) throws(DiagnosticError) {
      let chosen = name ?? fallback
      guard declared.contains(chosen) else {
        let why = name == nil ? " (the default for \(step.kind.rawValue))" : ""
        throw DiagnosticError(
          .error(
            "run.data-missing", "\(step.label) reads data set '\(chosen)'\(why), which 'data' does not declare",
            at: step.span(key),
            help: declared.isEmpty ? "declare it under 'data:'" : "declared: \(declared.joined(separator: ", "))"))
      }
      if !names.contains(chosen) { names.append(chosen) }
    }
    for step in steps {
      guard let key = step.datasetKey, let name = step.dataset(among: declared) else { continue }
      try use(step.string(key), step, key: key, fallback: name)
    }
    return names
  }
}

/// A preset a recipe pulls in through `extends`, with the digest of its text.
public struct PresetUse: Sendable, Hashable {
  /// The name or path as written in `extends`.
  public var reference: String
  /// Where it was found: a file path or `builtin:NAME`.
  public var source: String
  public var sha256: String

  /// Every preset reachable from `root`'s `extends`, depth first, each once.
  static func collect(_ root: RecastYAML.Node, file: String, library: PresetLibrary) -> [PresetUse] {
    var uses: [PresetUse] = []
    func visit(_ node: RecastYAML.Node, file: String) {
      for entry in PresetLibrary.extendsEntries(of: node) {
        guard let name = entry.string, let source = library.locate(name, from: file) else { continue }
        guard !uses.contains(where: { $0.source == source.label }) else { continue }
        let bytes = library.bytes(source) ?? []
        uses.append(PresetUse(reference: name, source: source.label, sha256: SHA256.hex(bytes)))
        if let preset = try? library.load(source) { visit(preset, file: source.label) }
      }
    }
    visit(root, file: file)
    return uses
  }
}
