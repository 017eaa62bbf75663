import ArgumentParser

@main
struct Recast: ParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "recast",
    abstract: "A declarative quantization engine for neural networks.",
    discussion: """
      Recipes are YAML files that say how to quantize a model. `recast run` executes one and writes the
      quantized ONNX model, a lock file and a report; `recast lint` checks recipes and presets;
      `recast explain` shows which spec lands on which tensor; `recast presets` lists, shows and compares presets.
      Exit codes: 0 success, 1 errors found (or a failed expectation), 64 usage error, 130 interrupted.
      """,
    version: version,
    subcommands: [Run.self, Lint.self, Validate.self, Inspect.self, Explain.self, Infer.self, Presets.self]
  )
}
