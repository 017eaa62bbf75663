import Foundation

/// The source-framework module a node came from, for `recast inspect` and eager-mode call-site names.
public struct ModuleScope: Sendable, Hashable {
  /// Dotted module path from the root (`layer1.0.bn1`, `m.encoder.layer.0.attention.self.query`); `""` is the root.
  public var path: String
  /// The module's class when the exporter recorded it (`torch.nn.modules.batchnorm.BatchNorm2d`), else `nil`.
  public var type: String?

  public init(path: String, type: String? = nil) {
    self.path = path
    self.type = type
  }
}

extension Node {
  /// Metadata keys written by torch's dynamo (torch.export-based) ONNX exporter.
  static let nameScopesKey = "pkg.torch.onnx.name_scopes"
  static let classHierarchyKey = "pkg.torch.onnx.class_hierarchy"
  /// Scope name the dynamo exporter gives nodes outside any module (e.g. reading the batch size).
  static let emptyModuleScope = "_empty_nn_module_stack_from_metadata_hook"

  /// The module path of `moduleScope()`, or `nil` when the node carries no scope information.
  public var moduleName: String? { moduleScope()?.path }

  /// The module class of `moduleScope()` when known (dynamo exports only).
  public var moduleType: String? { moduleScope()?.type }

  /// Derives the node's module: from the dynamo exporter's `pkg.torch.onnx.name_scopes` and
  /// `pkg.torch.onnx.class_hierarchy` metadata when present, else from a TorchScript-style node name
  /// `/layer1/layer1.0/bn1/BatchNormalization` (module `layer1.0.bn1`). `nil` when neither is there.
  ///
  /// Dynamo scopes list the module names from the root and end with the FX node name, so the module is the middle
  /// part and its class the matching entry of the class hierarchy. Beware: a Conv that onnxscript fused with a
  /// BatchNorm keeps the BatchNorm's scope.
  public func moduleScope() -> ModuleScope? {
    if let scopesText = metadataProps[Self.nameScopesKey], let scopes = Self.parsePythonStringList(scopesText),
      !scopes.isEmpty
    {
      let moduleScopes = Array(scopes.dropLast()).filter { $0 != Self.emptyModuleScope }
      let path = Self.joinScopes(moduleScopes.filter { !$0.isEmpty })
      var type: String?
      if !moduleScopes.isEmpty, let classes = metadataProps[Self.classHierarchyKey].flatMap(Self.parsePythonStringList),
        classes.count == scopes.count
      {
        type = classes[scopes.count - 2]
      }
      return ModuleScope(path: path, type: type)
    }
    guard name.hasPrefix("/") else { return nil }
    let components = name.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    return ModuleScope(path: Self.joinScopes(Array(components.dropLast())))
  }

  /// Joins scope names into a dotted path. TorchScript (and sometimes dynamo) repeat the parent's name in a child
  /// scope (`layer1` then `layer1.0`): such a component replaces the last one instead of being appended.
  static func joinScopes(_ components: [String]) -> String {
    var parts: [String] = []
    for component in components {
      let joined = parts.joined(separator: ".")
      if !joined.isEmpty, component.hasPrefix(joined + ".") {
        parts = [component]
      } else if let last = parts.last, component.hasPrefix(last + ".") {
        parts[parts.count - 1] = component
      } else {
        parts.append(component)
      }
    }
    return parts.joined(separator: ".")
  }

  /// Parses a Python `repr` of a list of strings (`['', '1', "it's"]`); `nil` if it is not one.
  static func parsePythonStringList(_ text: String) -> [String]? {
    var chars = Array(text.trimmingCharacters(in: .whitespaces)).makeIterator()
    guard chars.next() == "[" else { return nil }
    var result: [String] = []
    var expectingValue = true
    while let c = chars.next() {
      switch c {
      case " ": continue
      case "]": return result
      case ",":
        guard !expectingValue else { return nil }
        expectingValue = true
      case "'", "\"":
        guard expectingValue else { return nil }
        var value = ""
        var closed = false
        while let d = chars.next() {
          if d == c {
            closed = true
            break
          }
          if d == "\\", let escaped = chars.next() {
            switch escaped {
            case "n": value.append("\n")
            case "t": value.append("\t")
            default: value.append(escaped)
            }
          } else {
            value.append(d)
          }
        }
        guard closed else { return nil }
        result.append(value)
        expectingValue = false
      default: return nil
      }
    }
    return nil
  }
}
