public import RecastDiagnostics
public import RecastSchema
import RecastYAML

/// The recipe and preset JSON Schemas shipped in the binary, compiled once.
public enum RecipeSchemas {
  /// `$id` prefix under which the embedded schemas register each other.
  static let base = "https://recast.dev/schemas/"

  /// The embedded schema documents, parsed, and a registry holding all of them.
  private static let documents: Result<(nodes: [String: Node], registry: SchemaRegistry), DiagnosticError> = {
    var registry = SchemaRegistry()
    var nodes: [String: Node] = [:]
    do throws(DiagnosticError) {
      for resource in EmbeddedResources.schemas {
        let node = try JSONReader.parse(resource.text, file: "<builtin>/schemas/\(resource.name)")
        nodes[resource.name] = node
        registry.add(node, uri: base + resource.name)
      }
      return .success((nodes, registry))
    } catch {
      return .failure(error)
    }
  }()

  private static func compile(_ name: String) -> Result<JSONSchema, DiagnosticError> {
    Result { () throws(DiagnosticError) -> JSONSchema in
      let (nodes, registry) = try documents.get()
      guard let node = nodes[name] else {
        throw DiagnosticError(.error("schema.missing", "the built-in schema \(name) is missing", at: nil))
      }
      return try JSONSchema(node, baseURI: base + name, registry: registry)
    }
  }

  // Compiled on first use, each on its own: linting recipes never pays for the preset schema.
  private static let recipe = compile("recipe.schema.json")
  private static let preset = compile("preset.schema.json")

  /// The schema for a document kind.
  public static func schema(for kind: DocumentKind) throws(DiagnosticError) -> JSONSchema {
    try (kind == .recipe ? recipe : preset).get()
  }

  /// The raw text of an embedded schema file (`recipe.schema.json`, `preset.schema.json`).
  public static func text(_ name: String) -> String? {
    EmbeddedResources.schemas.first { $0.name == name }?.text
  }
}
