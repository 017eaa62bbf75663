public import RecastYAML

/// Schema documents that `$ref`s may name by URI (besides the embedded 2020-12 metaschemas).
///
/// ```swift
/// var registry = SchemaRegistry()
/// registry.add(commonNode, uri: "https://example.com/common.json")
/// let schema = try JSONSchema(recipeNode, baseURI: "https://example.com/recipe.json", registry: registry)
/// ```
public struct SchemaRegistry: Sendable {
  /// Absolute URI (without fragment) → document.
  var documents: [String: Node] = [:]

  public init() {}

  /// Registers `node` under the absolute URI `uri` (a fragment, if any, is ignored). A document whose root
  /// declares a different `$id` is reachable under both.
  public mutating func add(_ node: Node, uri: String) {
    let base = URI.split(uri).base
    documents[base] = node
    if let id = node["$id"]?.string {
      let declared = URI.split(URI.resolve(id, against: base)).base
      if declared != base, documents[declared] == nil { documents[declared] = node }
    }
  }

  /// The document registered under `uri`, if any.
  public func document(for uri: String) -> Node? { documents[URI.split(uri).base] }

  /// The registered URIs.
  public var uris: [String] { documents.keys.sorted() }

  /// A registered document, or an embedded metaschema.
  func lookup(_ uri: String) -> Node? {
    if let node = documents[uri] { return node }
    return Self.metaschema(uri)
  }

  /// The parsed embedded metaschema for `uri`, if it is one.
  static func metaschema(_ uri: String) -> Node? { parsedMetaschemas[uri] }

  private static let parsedMetaschemas: [String: Node] = {
    var result: [String: Node] = [:]
    for (uri, text) in Metaschemas.documents {
      // The embedded texts are fixed and tested; a parse failure is a programming error.
      result[uri] = try! JSONReader.parse(text, file: uri)
    }
    return result
  }()
}
