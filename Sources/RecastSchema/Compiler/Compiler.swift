internal import RecastDiagnostics
internal import RecastYAML

/// Builds a ``Program`` from a root schema: assigns every subschema an index, records every URI it can be
/// reached by (`$id`, `$anchor`, `$dynamicAnchor`, JSON pointers), then compiles keywords and resolves
/// references, loading referenced documents from the registry on demand.
final class Compiler {
  /// A subschema waiting for its keywords to be compiled.
  struct Pending {
    var id: SchemaID
    var node: Node
    var base: String
    var vocabularies: Vocabularies
  }

  /// A resource root, for resolving JSON pointers that no subschema registered.
  struct ResourceRoot {
    var node: Node
    var resource: Int
    var location: String
    var vocabularies: Vocabularies
  }

  let registry: SchemaRegistry
  var units: [SchemaUnit] = []
  var resources: [Resource] = []
  /// Absolute URI (with `#fragment` for anchors and pointers) → subschema.
  var index: [String: SchemaID] = [:]
  /// Document location (`#/properties/a`) → subschema, for finding children while compiling.
  var byLocation: [String: SchemaID] = [:]
  var resourceRoots: [String: ResourceRoot] = [:]
  var pending: [Pending] = []
  var diagnostics: [Diagnostic] = []

  /// Keywords whose value is one subschema.
  static let singleSubschema = [
    "additionalProperties", "propertyNames", "items", "contains", "not", "if", "then", "else",
    "unevaluatedItems", "unevaluatedProperties", "contentSchema",
  ]
  /// Keywords whose value is an array of subschemas.
  static let arraySubschemas = ["allOf", "anyOf", "oneOf", "prefixItems"]
  /// Keywords whose value is an object of subschemas.
  static let mapSubschemas = ["$defs", "properties", "patternProperties", "dependentSchemas"]

  init(registry: SchemaRegistry) {
    self.registry = registry
  }

  /// Compiles `node` as the root document at `baseURI`.
  func compile(root node: Node, baseURI: String) throws(DiagnosticError) -> Program {
    let root = scanDocument(node, uri: URI.split(baseURI).base, location: "#")
    while let next = pending.popLast() {
      compileKeywords(next)
    }
    if diagnostics.hasErrors { throw DiagnosticError(diagnostics) }
    return Program(units: units, resources: resources, root: root)
  }

  /// Registers a whole document (the root or one loaded from the registry).
  @discardableResult
  func scanDocument(_ node: Node, uri: String, location: String) -> SchemaID {
    let resource = newResource(uri)
    var vocabularies = Vocabularies.standard
    if let metaschema = node["$schema"]?.string { vocabularies = self.vocabularies(metaschema: metaschema, at: node) }
    resourceRoots[uri] = ResourceRoot(node: node, resource: resource, location: location, vocabularies: vocabularies)
    return scan(
      node, base: uri, resource: resource, location: location, pointers: [(uri, "")], vocabularies: vocabularies)
  }

  func newResource(_ uri: String) -> Int {
    resources.append(Resource(uri: uri))
    return resources.count - 1
  }

  /// Assigns `node` (and, recursively, its subschemas) an index and registers its URIs.
  func scan(
    _ node: Node, base: String, resource: Int, location: String, pointers: [(uri: String, pointer: String)],
    vocabularies: Vocabularies
  ) -> SchemaID {
    var base = base
    var resource = resource
    var pointers = pointers
    var vocabularies = vocabularies
    if let mapping = node.mapping, !mapping.isEmpty {
      if let id = node["$id"]?.string {
        let absolute = URI.split(URI.resolve(id, against: base)).base
        if absolute != base || pointers.last?.pointer != "" {
          base = absolute
          resource = newResource(absolute)
          if let metaschema = node["$schema"]?.string {
            vocabularies = self.vocabularies(metaschema: metaschema, at: node)
          }
          pointers.append((absolute, ""))
          resourceRoots[absolute] = ResourceRoot(
            node: node, resource: resource, location: location, vocabularies: vocabularies)
        }
      }
    }
    let id = units.count
    var unit = SchemaUnit(resource: resource, location: location, node: node)
    if case .bool(let value)? = node.scalar?.value { unit.constant = value }
    units.append(unit)
    byLocation[location] = id
    for (uri, pointer) in pointers {
      let key = pointer.isEmpty ? uri : uri + "#" + pointer
      if index[key] == nil { index[key] = id }
    }
    guard let mapping = node.mapping else {
      if unit.constant == nil {
        diagnostics.append(
          .error(
            "schema.invalid-schema", "a schema must be an object or a boolean, found \(node.typeName)",
            at: node.span))
      }
      return id
    }
    if let anchor = node["$anchor"]?.string { register(base + "#" + anchor, id) }
    if let anchor = node["$dynamicAnchor"]?.string {
      register(base + "#" + anchor, id)
      if resources[resource].dynamicAnchors[anchor] == nil { resources[resource].dynamicAnchors[anchor] = id }
    }
    pending.append(Pending(id: id, node: node, base: base, vocabularies: vocabularies))

    func child(_ value: Node, _ tokens: [String]) {
      let suffix = tokens.map { "/" + JSONPointer.escape($0) }.joined()
      _ = scan(
        value, base: base, resource: resource, location: location + suffix,
        pointers: pointers.map { ($0.uri, $0.pointer + suffix) }, vocabularies: vocabularies)
    }
    for pair in mapping {
      guard let key = pair.key.keyString else { continue }
      if Self.singleSubschema.contains(key) {
        child(pair.value, [key])
      } else if Self.arraySubschemas.contains(key), let items = pair.value.sequence {
        for (i, item) in items.enumerated() { child(item, [key, String(i)]) }
      } else if Self.mapSubschemas.contains(key), let entries = pair.value.mapping {
        for entry in entries {
          if let name = entry.key.keyString { child(entry.value, [key, name]) }
        }
      }
    }
    return id
  }

  func register(_ uri: String, _ id: SchemaID) {
    if index[uri] == nil { index[uri] = id }
  }

  /// The subschema a reference names, loading documents from the registry as needed.
  func resolve(_ reference: String, base: String) -> SchemaID? {
    let absolute = URI.resolve(reference, against: base)
    let (document, fragment) = URI.split(absolute)
    let key = fragment.map { document + "#" + URI.percentDecode($0) } ?? document
    if let id = index[key] { return id }
    if resourceRoots[document] == nil, let node = registry.lookup(document) {
      scanDocument(node, uri: document, location: document + "#")
      if let id = index[key] { return id }
    }
    // A pointer to a location no subschema registered (inside an unknown keyword, say): walk to it.
    guard let fragment, let root = resourceRoots[document],
      let tokens = JSONPointer.tokens(URI.percentDecode(fragment))
    else { return nil }
    var node = root.node
    for token in tokens {
      if let next = node[token] {
        node = next
      } else if let items = node.sequence, let i = Int(token), items.indices.contains(i) {
        node = items[i]
      } else {
        return nil
      }
    }
    let suffix = tokens.map { "/" + JSONPointer.escape($0) }.joined()
    let id = scan(
      node, base: document, resource: root.resource, location: root.location + suffix,
      pointers: [(document, suffix)], vocabularies: root.vocabularies)
    return id
  }

  /// The vocabularies a metaschema enables (all standard ones unless it declares `$vocabulary`).
  func vocabularies(metaschema uri: String, at node: Node) -> Vocabularies {
    let document = URI.split(uri).base
    guard document != "https://json-schema.org/draft/2020-12/schema",
      let metaschema = registry.lookup(document), let declared = metaschema["$vocabulary"]?.mapping
    else { return .standard }
    var result: Vocabularies = .core
    for pair in declared {
      guard let vocabulary = pair.key.keyString else { continue }
      if let known = Vocabularies.byURI[vocabulary] {
        result.insert(known)
      } else if case .bool(true)? = pair.value.scalar?.value {
        diagnostics.append(
          .error(
            "schema.invalid-schema", "metaschema '\(uri)' requires unsupported vocabulary '\(vocabulary)'",
            at: node["$schema"]?.span ?? node.span))
      }
    }
    return result
  }

  /// Records a problem with the schema itself.
  func invalid(_ message: String, at node: Node) {
    diagnostics.append(.error("schema.invalid-schema", message, at: node.span))
  }
}
