import RecastYAML

/// The recipe language reference in Markdown, rendered from the descriptions in `schemas/recipe.schema.json`
/// (README.md embeds it; a test keeps the two equal).
public enum RecipeReference {
  /// One section per type of the schema (`Document` first), so every link in a table leads somewhere: an object
  /// type is a table of its keys (type and description); any other type gives its description and shape, and a
  /// name-or-map type (a loss, a learning-rate schedule) lists its names and, in a table, each map key with its
  /// parameters.
  public static func markdown() -> String {
    guard let text = RecipeSchemas.text("recipe.schema.json"),
      let root = try? JSONReader.parse(text, file: "recipe.schema.json"), let defs = root["$defs"]?.mapping
    else { return "" }
    var out = ""
    for pair in defs {
      guard let name = pair.key.keyString else { continue }
      out += "#### \(name)\n\n"
      if let description = pair.value["description"]?.string { out += oneLine(description) + "\n\n" }
      if let properties = pair.value["properties"]?.mapping, !properties.isEmpty,
        pair.value["type"]?.string == "object" || pair.value["additionalProperties"] != nil
      {
        out += table(properties, required: Set(pair.value["required"]?.sequence?.compactMap(\.string) ?? []))
      } else if let names = pair.value["then"]?["enum"]?.sequence, let maps = pair.value["else"]?["properties"]?.mapping
      {
        out += "A name, " + names.map { "`\($0.scalar?.text ?? "")`" }.joined(separator: ", ")
          + ", or a one-key map from the name to its parameters:\n\n" + table(maps, nested: true)
      } else {
        out += (pair.value["enum"] == nil ? "Type: " : "One of ") + "\(type(of: pair.value)).\n\n"
      }
    }
    return out
  }

  /// A table of `properties`: key, type, description; with `nested`, each key's own properties follow it as
  /// `key.parameter` rows.
  private static func table(_ properties: [Pair], required: Set<String> = [], nested: Bool = false)
    -> String
  {
    var out = "| key | type | description |\n|---|---|---|\n"
    for property in properties {
      guard let key = property.key.keyString else { continue }
      let mark = required.contains(key) ? " (required)" : ""
      let description = property.value["description"]?.string.map(oneLine) ?? ""
      out += "| `\(key)`\(mark) | \(type(of: property.value)) | \(escape(description)) |\n"
      guard nested, let parameters = property.value["properties"]?.mapping else { continue }
      for parameter in parameters {
        guard let name = parameter.key.keyString else { continue }
        let text = parameter.value["description"]?.string.map(oneLine) ?? ""
        out += "| `\(key).\(name)` | \(type(of: parameter.value)) | \(escape(text)) |\n"
      }
    }
    return out + "\n"
  }

  /// A short type for a property schema: `string`, `integer ≥ 1`, `Stage[]`, one of `a`, `b`.
  private static func type(of schema: Node) -> String {
    if let values = schema["enum"]?.sequence {
      return values.map { "`\($0.scalar?.text ?? "")`" }.joined(separator: ", ")
    }
    if let value = schema["const"] { return "`\(value.scalar?.text ?? "")`" }
    var parts: [String] = []
    if let ref = schema["$ref"]?.string { parts.append(link(ref)) }
    if let items = schema["items"] {
      parts.append("list of " + (items["$ref"]?.string.map(link) ?? items["type"]?.string ?? "values"))
    }
    if parts.isEmpty || schema["$ref"] == nil && schema["items"] == nil {
      let types = schema["type"]?.string.map { [$0] } ?? schema["type"]?.sequence?.compactMap(\.string) ?? []
      parts += types.filter { $0 != "array" || schema["items"] == nil }
    }
    if let additional = schema["additionalProperties"], additional.mapping != nil {
      parts.append("map of " + (additional["$ref"]?.string.map(link) ?? additional["type"]?.string ?? "values"))
    }
    if let minimum = schema["minimum"]?.scalar?.text { parts.append("≥ \(minimum)") }
    if let minimum = schema["exclusiveMinimum"]?.scalar?.text { parts.append("> \(minimum)") }
    return parts.isEmpty ? "any" : parts.joined(separator: ", ")
  }

  private static func link(_ ref: String) -> String {
    let name = ref.split(separator: "/").last.map(String.init) ?? ref
    return "[\(name)](#\(name.lowercased()))"
  }

  private static func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).joined(separator: " ")
  }

  private static func escape(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
