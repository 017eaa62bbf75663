#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// ONNX `Resize` options.
public enum ResizeMode: String, Sendable, CaseIterable {
  case nearest, linear
}

/// ONNX `coordinate_transformation_mode`: maps an output coordinate to an input coordinate.
public enum CoordinateTransform: String, Sendable, CaseIterable {
  case halfPixel = "half_pixel"
  case pytorchHalfPixel = "pytorch_half_pixel"
  case alignCorners = "align_corners"
  case asymmetric
}

/// ONNX `nearest_mode`.
public enum NearestMode: String, Sendable, CaseIterable {
  case roundPreferFloor = "round_prefer_floor"
  case roundPreferCeil = "round_prefer_ceil"
  case floor, ceil
}

extension Tensor {
  /// ONNX `Resize` (opset ≥ 13, without roi, antialias or aspect-ratio policy) on float32. Give either
  /// `scales` (output size `floor(in · scale)`) or `sizes` (then `scale = out / in`), one per axis.
  /// `linear` interpolates separably along each resized axis (bilinear for 2-D, as onnxruntime), with the
  /// source coordinate clamped to `[0, in − 1]`.
  public func resized(
    scales: [Float]? = nil, sizes: [Int]? = nil, mode: ResizeMode = .nearest,
    coordinateTransform: CoordinateTransform = .halfPixel, nearestMode: NearestMode = .roundPreferFloor
  ) throws(TensorError) -> Tensor {
    guard dtype == .float32 else { throw TensorError("Resize: unsupported type \(dtype)") }
    var outSizes: [Int]
    var axisScales: [Float]
    if let sizes {
      guard sizes.count == rank else { throw TensorError("Resize: \(sizes.count) sizes for rank \(rank)") }
      outSizes = sizes
      axisScales = (0..<rank).map { Float(sizes[$0]) / Float(Swift.max(shape[$0], 1)) }
    } else if let scales {
      guard scales.count == rank, scales.allSatisfy({ $0 > 0 }) else {
        throw TensorError("Resize: scales \(scales) must be \(rank) positive values")
      }
      axisScales = scales
      outSizes = (0..<rank).map { Int((Float(shape[$0]) * scales[$0]).rounded(.down)) }
    } else {
      throw TensorError("Resize: give scales or sizes")
    }
    var result = self
    for axis in 0..<rank where outSizes[axis] != shape[axis] || axisScales[axis] != 1 {
      result = result.resized(
        axis: axis, to: outSizes[axis], scale: axisScales[axis], mode: mode, transform: coordinateTransform,
        nearestMode: nearestMode)
    }
    return result
  }

  /// Resizes one axis: `[outer, in, inner]` → `[outer, out, inner]`.
  private func resized(
    axis: Int, to outSize: Int, scale: Float, mode: ResizeMode, transform: CoordinateTransform, nearestMode: NearestMode
  ) -> Tensor {
    let inSize = shape[axis]
    var outShape = shape
    outShape[axis] = outSize
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    // Per output index: two source indices and the weight of the second.
    var low = [Int](repeating: 0, count: outSize)
    var high = [Int](repeating: 0, count: outSize)
    var weight = [Float](repeating: 0, count: outSize)
    for o in 0..<outSize {
      var x: Float
      switch transform {
      case .halfPixel: x = (Float(o) + 0.5) / scale - 0.5
      case .pytorchHalfPixel: x = outSize > 1 ? (Float(o) + 0.5) / scale - 0.5 : 0
      case .alignCorners: x = outSize == 1 ? 0 : Float(o) * Float(inSize - 1) / Float(outSize - 1)
      case .asymmetric: x = Float(o) / scale
      }
      if mode == .nearest {
        let r: Float
        switch nearestMode {
        case .floor: r = x.rounded(.down)
        case .ceil: r = x.rounded(.up)
        case .roundPreferFloor: r = x == x.rounded(.down) + 0.5 ? x.rounded(.down) : x.rounded()
        case .roundPreferCeil: r = x == x.rounded(.down) + 0.5 ? x.rounded(.up) : x.rounded()
        }
        low[o] = Swift.min(Swift.max(Int(r), 0), inSize - 1)
        high[o] = low[o]
      } else {
        x = Swift.min(Swift.max(x, 0), Float(inSize - 1))
        let f = x.rounded(.down)
        low[o] = Int(f)
        high[o] = Swift.min(low[o] + 1, inSize - 1)
        weight[o] = x - f
      }
    }
    var out = Tensor(zeros: .float32, shape: outShape)
    withUnsafeBufferPointer(as: Float.self) { px in
      out.withUnsafeMutableBufferPointer(as: Float.self) { py in
        guard let xb = px.baseAddress, let yb = py.baseAddress else { return }
        for b in 0..<outer {
          let x = xb + b * inSize * inner
          let y = yb + b * outSize * inner
          for o in 0..<outSize {
            let a = x + low[o] * inner
            let c = x + high[o] * inner
            let w = weight[o]
            let row = y + o * inner
            if w == 0 {
              row.update(from: a, count: inner)
            } else {
              for i in 0..<inner { row[i] = a[i] + w * (c[i] - a[i]) }
            }
          }
        }
      }
    }
    return out
  }
}
