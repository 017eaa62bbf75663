public import RecastDiagnostics
public import RecastSchema
import RecastYAML

/// The recipe and preset JSON Schemas shipped in the binary, compiled once.
public enum RecipeSchemas {
  /// `$id` prefix under which the embedded schemas register each other.
  static let base = "https://recast.dev/schemas/"

  private static let compiled: Result<(recipe: JSONSchema, preset: JSONSchema), DiagnosticError> = {
    var registry = SchemaRegistry()
    var nodes: [String: Node] = [:]
    do {
      for resource in EmbeddedResources.schemas {
        let node = try JSONReader.parse(resource.text, file: "<builtin>/schemas/\(resource.name)")
        nodes[resource.name] = node
        registry.add(node, uri: base + resource.name)
      }
      guard let recipe = nodes["recipe.schema.json"], let preset = nodes["preset.schema.json"] else {
        throw DiagnosticError(.error("schema.missing", "the built-in recipe schemas are missing", at: nil))
      }
      return .success(
        (
          try JSONSchema(recipe, baseURI: base + "recipe.schema.json", registry: registry),
          try JSONSchema(preset, baseURI: base + "preset.schema.json", registry: registry)
        ))
    } catch let error as DiagnosticError {
      return .failure(error)
    } catch {
      return .failure(DiagnosticError(.error("schema.invalid", "\(error)", at: nil)))
    }
  }()

  /// The schema for a document kind.
  public static func schema(for kind: DocumentKind) throws(DiagnosticError) -> JSONSchema {
    let schemas = try compiled.get()
    return kind == .recipe ? schemas.recipe : schemas.preset
  }

  /// The raw text of an embedded schema file (`recipe.schema.json`, `preset.schema.json`).
  public static func text(_ name: String) -> String? {
    EmbeddedResources.schemas.first { $0.name == name }?.text
  }
}
