import ArgumentParser

@main
struct Recast: ParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "recast",
    abstract: "A declarative quantization engine for neural networks.",
    discussion: """
      Recipes are YAML files that say how to quantize a model. `recast lint` checks them;
      `recast validate` checks any YAML or JSON file against a JSON Schema.
      Exit codes: 0 clean, 1 errors found, 64 usage error.
      """,
    version: version,
    subcommands: [Run.self, Lint.self, Validate.self, Inspect.self, Explain.self, Infer.self, Presets.self]
  )
}
