public import RecastGraph

extension Quantizer {
  /// A quantizer for `model` under `config`: the config is resolved against the model and placed in the
  /// config's execution mode (graph or eager) by `Placement`, as `Quantizer(model, config)` does upstream.
  public convenience init(
    _ model: Model, config: QuantizerConfig, placement: Placement.Options = Placement.Options(),
    registry: QParamCalculatorRegistry = .shared, options: Options = Options()
  ) throws {
    try self.init(
      model, config: config, planner: { model, config in try Placement.plan(config: config, model: model, options: placement) },
      registry: registry, options: options)
  }
}
