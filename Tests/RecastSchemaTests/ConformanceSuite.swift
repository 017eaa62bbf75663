import Foundation
import RecastDiagnostics
import RecastSchema
import RecastYAML
import TestSupport

/// Loads and runs the JSON-Schema-Test-Suite fixtures.
enum ConformanceSuite {
  static let root = Paths.repository("Tests/RecastSchemaTests/Fixtures/json-schema-test-suite")
  static let testsFolder = root.appendingPathComponent("tests/draft2020-12")
  static let knownFailuresFile = Paths.repository("Tests/RecastSchemaTests/Fixtures/known-failures.txt")

  /// One test case's identity and outcome.
  struct Outcome {
    var id: String
    var passed: Bool
    var detail: String
  }

  /// `tests/draft2020-12/*.json`, by file name.
  static let requiredFiles: [String] = jsonFiles(in: testsFolder, recursive: false)

  /// `optional/**/*.json` without `optional/format/` (format is annotation-only), relative to the tests folder.
  static let optionalFiles: [String] = {
    let optional = testsFolder.appendingPathComponent("optional")
    return jsonFiles(in: optional, recursive: true).filter { !$0.hasPrefix("format/") }.map { "optional/" + $0 }
  }()

  static func jsonFiles(in folder: URL, recursive: Bool) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
    var files: [String] = []
    while let path = enumerator.nextObject() as? String {
      if !recursive && path.contains("/") { continue }
      if path.hasSuffix(".json") { files.append(path) }
    }
    return files.sorted()
  }

  /// `remotes/` served as `http://localhost:1234/`.
  static let registry: SchemaRegistry = {
    var registry = SchemaRegistry()
    let remotes = root.appendingPathComponent("remotes")
    for path in jsonFiles(in: remotes, recursive: true) {
      let url = remotes.appendingPathComponent(path)
      guard let text = try? String(contentsOf: url, encoding: .utf8),
        let node = try? JSONReader.parse(text, file: url.path)
      else { continue }
      registry.add(node, uri: "http://localhost:1234/" + path)
    }
    return registry
  }()

  /// Case id → reason, from `known-failures.txt`.
  static let knownFailures: [String: String] = {
    guard let text = try? String(contentsOf: knownFailuresFile, encoding: .utf8) else { return [:] }
    var result: [String: String] = [:]
    for line in text.split(separator: "\n")
    where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
      let fields = line.components(separatedBy: " | ")
      guard fields.count == 4 else { continue }
      result[fields[0...2].joined(separator: " | ")] = fields[3]
    }
    return result
  }()

  /// Runs every case of one test file (a path relative to `tests/draft2020-12`).
  static func run(file: String) throws -> [Outcome] {
    let url = testsFolder.appendingPathComponent(file)
    let text = try String(contentsOf: url, encoding: .utf8)
    let groups = try JSONReader.parse(text, file: url.path).sequence ?? []
    var outcomes: [Outcome] = []
    for group in groups {
      let groupName = group["description"]?.string ?? "?"
      let schemaNode = group["schema"]!
      let schema: JSONSchema?
      var compileError = ""
      do {
        schema = try JSONSchema(schemaNode, registry: registry)
      } catch {
        schema = nil
        compileError = error.description
      }
      for test in group["tests"]?.sequence ?? [] {
        let id = "\(file) | \(groupName) | \(test["description"]?.string ?? "?")"
        let expected = test["valid"]?.scalar?.value == .bool(true)
        guard let schema, let data = test["data"] else {
          outcomes.append(Outcome(id: id, passed: false, detail: "schema did not compile: \(compileError)"))
          continue
        }
        let fast = schema.isValid(data)
        let errors = schema.validate(data)
        if fast != errors.isEmpty {
          outcomes.append(Outcome(id: id, passed: false, detail: "isValid \(fast) but \(errors.count) errors"))
        } else if fast != expected {
          let messages = errors.map { "\($0.instancePath) \($0.keyword): \($0.message)" }.joined(separator: "; ")
          outcomes.append(Outcome(id: id, passed: false, detail: "expected valid=\(expected); \(messages)"))
        } else {
          outcomes.append(Outcome(id: id, passed: true, detail: ""))
        }
      }
    }
    return outcomes
  }
}
