/// One step from a value to a child: an object key or an array index.
enum PathComponent: Sendable {
  case key(String)
  case index(Int)
}

extension [PathComponent] {
  /// The path as a JSON pointer (`/a/0/b~1c`), empty for the root.
  var jsonPointer: String {
    var out = ""
    for component in self {
      switch component {
      case .key(let key): out += "/" + JSONPointer.escape(key)
      case .index(let i): out += "/\(i)"
      }
    }
    return out
  }

  /// The path for people: `quantization_spec.act8.dtype`, `stages[2].train`; "the top level" for the root.
  var display: String {
    var out = ""
    for component in self {
      switch component {
      case .key(let key): out += out.isEmpty ? key : "." + key
      case .index(let i): out += "[\(i)]"
      }
    }
    return out.isEmpty ? "the top level" : out
  }

  /// How a message names the value at this path: `'dtype'`, `item 2 of 'stages'`, `the document`.
  var subject: String {
    switch last {
    case nil: return "the document"
    case .key(let key)?: return "'\(key)'"
    case .index(let i)?:
      let parent = Array(dropLast())
      return parent.isEmpty ? "item \(i)" : "item \(i) of '\(parent.display)'"
    }
  }
}
