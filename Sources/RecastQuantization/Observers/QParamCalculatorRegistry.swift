import Foundation
import RecastDiagnostics

/// Named qparam calculators. Built in: `static`, `moving_average`, `global_minmax`, `percentile`, `mse`, and
/// `default` (resolved by role: `static` for weights, `moving_average` for activations). A Swift user registers
/// more with `register(name:factory:)`; a recipe then names them in `qparam_calculator_cls`.
///
/// `@unchecked Sendable`: the factory table is only read and written under `lock`.
public final class QParamCalculatorRegistry: @unchecked Sendable {
  /// What the observed tensor is, for resolving `default`.
  public enum Role: String, Sendable, Hashable, CaseIterable {
    case weight
    case activation
  }

  /// Builds a calculator for a spec.
  public typealias Factory = @Sendable (QuantizationSpec) -> any QParamCalculator

  /// The process-wide registry, with the built-ins.
  public static let shared = QParamCalculatorRegistry()

  private let lock = NSLock()
  private var factories: [String: Factory]

  /// A registry holding the built-in calculators.
  public init() {
    factories = [
      "static": { StaticCalculator(spec: $0) },
      "moving_average": { MovingAverageCalculator(spec: $0) },
      "global_minmax": { GlobalMinMaxCalculator(spec: $0) },
      "percentile": { PercentileCalculator(spec: $0) },
      "mse": { MSECalculator(spec: $0) },
    ]
  }

  /// Registers (or replaces) a calculator under `name`. `default` cannot be replaced.
  public func register(name: String, factory: @escaping Factory) throws(QuantizationError) {
    guard name != "default" else { throw QuantizationError("'default' is resolved by role and cannot be registered") }
    lock.withLock { factories[name] = factory }
  }

  /// Every registered name, sorted, plus `default`.
  public var names: [String] { lock.withLock { (Array(factories.keys) + ["default"]).sorted() } }

  /// The concrete name `name` stands for: `default` → `static` (weights) or `moving_average` (activations).
  public static func resolve(_ name: String, role: Role) -> String {
    guard name == "default" else { return name }
    return role == .weight ? "static" : "moving_average"
  }

  /// A new calculator for `spec.qparamCalculator` (resolved for `role`).
  /// - Throws: for an unknown name, with a did-you-mean hint when one is close.
  public func make(for spec: QuantizationSpec, role: Role) throws(QuantizationError) -> any QParamCalculator {
    try make(name: spec.qparamCalculator, spec: spec, role: role)
  }

  /// A new calculator registered under `name` (resolved for `role`).
  public func make(name: String, spec: QuantizationSpec, role: Role) throws(QuantizationError) -> any QParamCalculator {
    let resolved = Self.resolve(name, role: role)
    guard let factory = lock.withLock({ factories[resolved] }) else {
      throw QuantizationError(
        "unknown qparam calculator '\(name)'; known: \(names.joined(separator: ", "))",
        help: didYouMean(name, among: names))
    }
    return factory(spec)
  }
}
