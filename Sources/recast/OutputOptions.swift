public import ArgumentParser
import Foundation
import RecastDiagnostics

extension DiagnosticFormat: ExpressibleByArgument {}

/// When to colour text output.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
  case auto, always, never
}

/// Options shared by the commands that print diagnostics.
struct OutputOptions: ParsableArguments {
  @Option(help: "Output format: text, json, sarif or github.")
  var format: DiagnosticFormat = .text

  @Flag(help: "Treat warnings as errors.")
  var strict = false

  @Option(help: "Colour text output: auto (on a terminal), always, never.")
  var color: ColorChoice = .auto

  var useColor: Bool {
    switch color {
    case .always: true
    case .never: false
    case .auto: isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
  }
}

/// Prints diagnostics for a set of files and returns the process exit code (0 clean, 1 errors).
func report(_ results: [(file: String, text: String?, diagnostics: [Diagnostic])], options: OutputOptions) -> Int32 {
  var all: [Diagnostic] = []
  var sources: [String: String] = [:]
  for result in results {
    if let text = result.text { sources[result.file] = text }
    all += options.strict
      ? result.diagnostics.map { d in
        var d = d
        if d.severity == .warning { d.severity = .error }
        return d
      } : result.diagnostics
  }
  let renderer = DiagnosticRenderer(sources: sources, color: options.useColor && options.format == .text)
  var output = renderer.render(all, format: options.format, toolVersion: Recast.version)
  if options.format == .text {
    let errors = all.filter { $0.severity == .error }.count
    let warnings = all.filter { $0.severity == .warning }.count
    let files = results.count == 1 ? "1 file" : "\(results.count) files"
    if all.isEmpty {
      output += "\(files) checked: no problems\n"
    } else {
      output += "\(files) checked: \(plural(errors, "error")), \(plural(warnings, "warning"))\n"
    }
  }
  FileHandle.standardOutput.write(Data(output.utf8))
  return all.hasErrors ? 1 : 0
}

func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word)" : "\(n) \(word)s" }
