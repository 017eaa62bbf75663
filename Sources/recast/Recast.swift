import ArgumentParser

@main
struct Recast: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recast",
    abstract: "A declarative quantization engine for neural networks."
  )
}
