import Foundation
import RecastDiagnostics
public import RecastGraph

/// The fusion patterns graph-mode placement knows, by name: one registry for built-ins and user patterns.
///
/// Built in (`FusionPattern.builtIns`): `conv_bn_relu`, `linear_bias_relu`, `conv_bn`, `conv_relu`, `linear_relu`,
/// `matmul_relu`, `linear_bias`, `add_relu`, `mul_relu`. A Swift user adds one with
/// `PatternRegistry.shared.register(FusionPattern(name: "div_relu", ops: "Div", "Relu"))` (or on an instance passed
/// to `Placement`); a recipe (`quantization_config.fusion_patterns: {enable: [...], disable: [...]}`, carried by
/// `QuantizerConfig.fusionPatterns`) or `Placement.Options.enabledPatterns` / `disabledPatterns` then names patterns
/// to use or skip. Registering an existing name replaces that pattern in place.
///
/// Matching is greedy in graph order: at each unclaimed node the longest registered pattern that matches wins (ties:
/// registration order), and its nodes are claimed. Eager mode uses no patterns.
///
/// `@unchecked Sendable`: the pattern list is only read and written under `lock`.
public final class PatternRegistry: @unchecked Sendable {
  /// The process-wide registry, with the built-ins.
  public static let shared = PatternRegistry()

  private let lock = NSLock()
  private var entries: [FusionPattern]

  /// A registry holding `patterns` (the built-ins by default).
  public init(_ patterns: [FusionPattern] = FusionPattern.builtIns) {
    entries = []
    for pattern in patterns { register(pattern) }
  }

  /// Adds `pattern`, or replaces the pattern registered under its name.
  public func register(_ pattern: FusionPattern) {
    lock.withLock {
      if let i = entries.firstIndex(where: { $0.name == pattern.name }) {
        entries[i] = pattern
      } else {
        entries.append(pattern)
      }
    }
  }

  /// Removes the pattern named `name`; returns whether one was registered.
  @discardableResult
  public func unregister(_ name: String) -> Bool {
    lock.withLock {
      guard let i = entries.firstIndex(where: { $0.name == name }) else { return false }
      entries.remove(at: i)
      return true
    }
  }

  /// Every registered pattern in registration order.
  public var patterns: [FusionPattern] { lock.withLock { entries } }

  /// Every registered name in registration order.
  public var names: [String] { patterns.map(\.name) }

  /// The pattern named `name`.
  public func pattern(named name: String) -> FusionPattern? { patterns.first { $0.name == name } }

  /// The patterns in effect: `enabled` (all when `nil`) minus `disabled`, longest first, then registration order.
  /// - Throws: when a name is not registered, with a did-you-mean hint.
  public func active(enabled: Set<String>?, disabled: Set<String>) throws(QuantizationError) -> [FusionPattern] {
    let all = patterns
    let known = Set(all.map(\.name))
    for name in (enabled ?? []).union(disabled).sorted() where !known.contains(name) {
      throw QuantizationError(
        "unknown fusion pattern '\(name)'; known: \(all.map(\.name).joined(separator: ", "))",
        help: didYouMean(name, among: all.map(\.name)))
    }
    let chosen = all.enumerated().filter { enabled?.contains($0.element.name) ?? true }
      .filter { !disabled.contains($0.element.name) }
    return chosen.sorted { ($0.element.steps.count, -$0.offset) > ($1.element.steps.count, -$1.offset) }
      .map(\.element)
  }

  /// Claims blocks in `graph` with `patterns` (from `active`): each match as node indices in chain order, in the
  /// order of their first node, with the pattern's name.
  public static func matches(in graph: Graph, patterns: [FusionPattern]) -> [(pattern: String, nodes: [Int])] {
    let consumers = graph.consumerIndex()
    var taken: Set<Int> = []
    var result: [(pattern: String, nodes: [Int])] = []
    for start in graph.nodes.indices where !taken.contains(start) {
      for pattern in patterns {
        guard let chain = pattern.match(at: start, in: graph, consumers: consumers, taken: taken) else { continue }
        taken.formUnion(chain)
        result.append((pattern.name, chain))
        break
      }
    }
    return result
  }
}
