extension Tensor {
  /// Gradients of ONNX `Conv` (`y = conv(x, W) + b`, 1-D or 2-D, any group, strides, pads, dilations, auto_pad)
  /// with respect to the operands flagged in `need` (`[x, W, b]`), given `dy` of `y`'s shape.
  ///
  /// - `dx = ConvTranspose(dy, W)` with the conv's geometry and the output padding that restores `x`'s size.
  /// - `dW[g] = Σₙ dy[n, g] · im2col(x[n, g])ᵀ` per group, over chunks of images (`WeightGradientPlan`).
  /// - `db[m] = Σ dy[:, m, …]`.
  public static func convGradients(
    _ x: Tensor, weight w: Tensor, outputGradient dy: Tensor, strides: [Int]? = nil, pads: [Int]? = nil,
    dilations: [Int]? = nil, group: Int = 1, autoPad: AutoPad = .notSet, need: [Bool] = [true, true, true]
  ) throws(TensorError) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
    guard x.dtype == .float32, w.dtype == .float32, dy.dtype == .float32 else {
      throw TensorError("Conv gradient: operands must be float32")
    }
    guard x.rank == 3 || x.rank == 4, w.rank == x.rank, dy.rank == x.rank else {
      throw TensorError("Conv gradient: only 1-D and 2-D convolutions are supported (X \(x.shape), W \(w.shape))")
    }
    if x.rank == 3 {
      let r = try convGradients(
        x.unsqueezedSpatial(), weight: w.unsqueezedSpatial(), outputGradient: dy.unsqueezedSpatial(),
        strides: strides.map { [1] + $0 }, pads: pads.map { [0, $0[0], 0, $0[1]] },
        dilations: dilations.map { [1] + $0 }, group: group, autoPad: autoPad, need: need)
      return (r.input?.squeezedSpatial(), r.weight?.squeezedSpatial(), r.bias)
    }
    let g = try SpatialGeometry(
      op: "Conv", input: Array(x.shape[2...]), kernel: Array(w.shape[2...]), strides: strides, dilations: dilations,
      pads: pads, autoPad: autoPad)
    guard dy.shape == [x.shape[0], w.shape[0]] + g.output else {
      throw TensorError("Conv gradient: dY \(dy.shape) does not match the output of X \(x.shape) and W \(w.shape)")
    }
    var dx: Tensor?
    if need.count > 0 && need[0] {
      var outputPadding: [Int] = []
      for i in 0..<2 {
        let span = (g.kernel[i] - 1) * g.dilations[i] + 1
        outputPadding.append(g.input[i] - ((g.output[i] - 1) * g.strides[i] + span - g.padBegin[i] - g.padEnd[i]))
      }
      dx = try convTranspose(
        dy, weight: w, strides: g.strides, pads: g.padBegin + g.padEnd, dilations: g.dilations, group: group,
        outputPadding: outputPadding)
    }
    let dw = need.count > 1 && need[1] ? try unfoldedProduct(unfolded: x, other: dy, geometry: g, group: group) : nil
    let db = need.count > 2 && need[2] ? try dy.reduced(.sum, axes: [0, 2, 3], keepDims: false) : nil
    return (dx, dw, db)
  }

  /// Gradients of ONNX `ConvTranspose` (1-D or 2-D; pads resolved from `outputShape` or SAME auto_pad exactly as
  /// the forward does) with respect to the operands flagged in `need` (`[x, W, b]`).
  ///
  /// - `dx = Conv(dy, W)` with the same strides, pads, dilations and group.
  /// - `dW[g] = Σₙ x[n, g] · im2col(dy[n, g])ᵀ` per group (dy unfolded with the conv geometry that maps it back
  ///   onto `x`'s grid).
  /// - `db[m] = Σ dy[:, m, …]`.
  public static func convTransposeGradients(
    _ x: Tensor, weight w: Tensor, outputGradient dy: Tensor, strides: [Int]? = nil, pads: [Int]? = nil,
    dilations: [Int]? = nil, group: Int = 1, autoPad: AutoPad = .notSet, outputPadding: [Int]? = nil,
    outputShape: [Int]? = nil, need: [Bool] = [true, true, true]
  ) throws(TensorError) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
    guard x.dtype == .float32, w.dtype == .float32, dy.dtype == .float32 else {
      throw TensorError("ConvTranspose gradient: operands must be float32")
    }
    guard x.rank == 3 || x.rank == 4, w.rank == x.rank, dy.rank == x.rank else {
      throw TensorError("ConvTranspose gradient: only 1-D and 2-D are supported (X \(x.shape), W \(w.shape))")
    }
    if x.rank == 3 {
      let r = try convTransposeGradients(
        x.unsqueezedSpatial(), weight: w.unsqueezedSpatial(), outputGradient: dy.unsqueezedSpatial(),
        strides: strides.map { [1] + $0 }, pads: pads.map { [0, $0[0], 0, $0[1]] },
        dilations: dilations.map { [1] + $0 }, group: group, autoPad: autoPad,
        outputPadding: outputPadding.map { [0] + $0 }, outputShape: outputShape.map { [1] + Array($0.suffix(1)) },
        need: need)
      return (r.input?.squeezedSpatial(), r.weight?.squeezedSpatial(), r.bias)
    }
    let input = Array(x.shape[2...])
    let kernel = Array(w.shape[2...])
    let strides = strides ?? [1, 1]
    let dilations = dilations ?? [1, 1]
    let (padBegin, padEnd, _) = try convTransposePads(
      input: input, kernel: kernel, strides: strides, dilations: dilations, pads: pads, autoPad: autoPad,
      outputPadding: outputPadding, outputShape: outputShape)
    let output = Array(dy.shape[2...])
    // The conv that reads dy's grid and lands on x's grid (the output_padding rows are read by no tap).
    var g = try SpatialGeometry(
      op: "ConvTranspose", input: output, kernel: kernel, strides: strides, dilations: dilations,
      pads: padBegin + padEnd, autoPad: .notSet)
    g.output = input
    var dx: Tensor?
    if need.count > 0 && need[0] {
      let full = try conv(
        dy, weight: w, strides: strides, pads: padBegin + padEnd, dilations: dilations, group: group)
      dx =
        full.shape == x.shape
        ? full : try full.sliced(starts: [0, 0], ends: [input[0], input[1]], axes: [2, 3])
    }
    let dw = need.count > 1 && need[1] ? try unfoldedProduct(unfolded: dy, other: x, geometry: g, group: group) : nil
    let db = need.count > 2 && need[2] ? try dy.reduced(.sum, axes: [0, 2, 3], keepDims: false) : nil
    return (dx, dw, db)
  }

  /// `[N, C, L]` → `[N, C, 1, L]` (1-D convolutions run as 2-D).
  func unsqueezedSpatial() -> Tensor { reshaped([shape[0], shape[1], 1, shape[2]]) }

  /// `[N, C, 1, L]` → `[N, C, L]`.
  func squeezedSpatial() -> Tensor { reshaped([shape[0], shape[1], shape[3]]) }
}
