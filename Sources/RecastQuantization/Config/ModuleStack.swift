import Foundation
import RecastGraph

/// The chain of modules containing a node, root first, with the classes the dynamo exporter recorded.
///
/// Dynamo exports carry `pkg.torch.onnx.name_scopes` (module names from the root, then the FX node name) and
/// `pkg.torch.onnx.class_hierarchy` (a class per scope, then the aten target); every level gets its path and class.
/// TorchScript exports only give the innermost path (from `/a/b/Op` node names), so ancestors are its dotted
/// prefixes and have no class.
struct ModuleStack {
  /// Root (`""`) first, innermost last.
  var modules: [ModuleInfo]
  /// The FX node name (last scope) for dynamo exports.
  var exporterName: String?

  static let nameScopesKey = "pkg.torch.onnx.name_scopes"
  static let classHierarchyKey = "pkg.torch.onnx.class_hierarchy"
  static let emptyScope = "_empty_nn_module_stack_from_metadata_hook"

  init(node: Node) {
    if let text = node.metadataProps[Self.nameScopesKey], let scopes = Self.parseList(text), !scopes.isEmpty {
      let classes = node.metadataProps[Self.classHierarchyKey].flatMap(Self.parseList)
      exporterName = scopes.last
      var modules: [ModuleInfo] = []
      var parts: [String] = []
      for (level, scope) in scopes.dropLast().enumerated() where scope != Self.emptyScope {
        if !scope.isEmpty { Self.append(scope, to: &parts) }
        let type = classes.flatMap { $0.count == scopes.count ? $0[level] : nil }
        let path = parts.joined(separator: ".")
        if modules.last?.path == path { modules.removeLast() }
        modules.append(ModuleInfo(path: path, type: type))
      }
      if modules.first?.path != "" { modules.insert(ModuleInfo(path: ""), at: 0) }
      self.modules = modules
      return
    }
    exporterName = nil
    var modules = [ModuleInfo(path: "")]
    if let path = node.moduleName, !path.isEmpty {
      var prefix: [Substring] = []
      for component in path.split(separator: ".", omittingEmptySubsequences: false) {
        prefix.append(component)
        modules.append(ModuleInfo(path: prefix.joined(separator: ".")))
      }
    }
    self.modules = modules
  }

  /// Appends a scope name to a module path; a scope that repeats the parent's path (`layer1` then `layer1.0`)
  /// replaces the components it spells out instead of being appended.
  private static func append(_ scope: String, to parts: inout [String]) {
    let joined = parts.joined(separator: ".")
    if !joined.isEmpty, scope.hasPrefix(joined + ".") {
      parts = [scope]
    } else if let last = parts.last, scope.hasPrefix(last + ".") {
      parts[parts.count - 1] = scope
    } else {
      parts.append(scope)
    }
  }

  /// Parses a Python `repr` of a list of strings (`['', '1', 'conv2d']`); `nil` if it is not one.
  static func parseList(_ text: String) -> [String]? {
    var chars = Array(text.trimmingCharacters(in: .whitespaces))[...]
    guard chars.popFirst() == "[" else { return nil }
    var result: [String] = []
    var expectingValue = true
    while let c = chars.popFirst() {
      switch c {
      case " ": continue
      case "]": return result
      case "," where !expectingValue: expectingValue = true
      case "'" where expectingValue, "\"" where expectingValue:
        var value = ""
        var closed = false
        while let d = chars.popFirst() {
          if d == c {
            closed = true
            break
          }
          value.append(d == "\\" ? (chars.popFirst() ?? d) : d)
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
