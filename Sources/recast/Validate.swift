import ArgumentParser
import Foundation
import RecastDiagnostics
import RecastSchema
import RecastYAML

/// `recast validate --schema SCHEMA FILE...`: any YAML or JSON document against any JSON Schema.
struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate YAML or JSON files against a JSON Schema (draft 2020-12).",
    discussion: """
      The schema may be JSON or YAML. Other schema files in its folder are registered under their
      file URLs, so relative $refs between them resolve. Diagnostics are those of `recast lint`.
      """
  )

  @Option(help: "The JSON Schema file.")
  var schema: String

  @Argument(help: "YAML or JSON files to validate.")
  var files: [String]

  @OptionGroup var output: OutputOptions

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one file to validate") }
  }

  func run() throws {
    let compiled: JSONSchema
    do {
      compiled = try loadSchema(schema)
    } catch {
      _ = report([(file: schema, text: try? String(contentsOfFile: schema, encoding: .utf8), diagnostics: error.diagnostics)], options: output)
      throw ExitCode(1)
    }
    let results = files.map { file in
      let text = try? String(contentsOfFile: file, encoding: .utf8)
      do throws(DiagnosticError) {
        let node = try parseDocument(file)
        return (file: file, text: text, diagnostics: compiled.validate(node).map(\.diagnostic))
      } catch {
        return (file: file, text: text, diagnostics: error.diagnostics)
      }
    }
    let code = report(results, options: output)
    if code != 0 { throw ExitCode(code) }
  }

  private func loadSchema(_ path: String) throws(DiagnosticError) -> JSONSchema {
    let url = URL(fileURLWithPath: path).standardizedFileURL
    var registry = SchemaRegistry()
    let folder = url.deletingLastPathComponent()
    let siblings = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for name in siblings where name.hasSuffix(".json") && name != url.lastPathComponent {
      let sibling = folder.appendingPathComponent(name)
      if let node = try? parseDocument(sibling.path) { registry.add(node, uri: sibling.absoluteString) }
    }
    let node = try parseDocument(path)
    return try JSONSchema(node, baseURI: url.absoluteString, registry: registry)
  }
}

/// Parses a file as JSON (by extension) or YAML.
func parseDocument(_ path: String) throws(DiagnosticError) -> Node {
  if path.hasSuffix(".json") {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DiagnosticError(.error("io.read", "'\(path)' cannot be read", at: nil))
    }
    guard let text = String(validating: [UInt8](data), as: UTF8.self) else {
      throw DiagnosticError(.error("json.syntax", "'\(path)' is not valid UTF-8", at: nil))
    }
    return try JSONReader.parse(text, file: path)
  }
  return try YAMLReader.parse(contentsOf: path)
}
