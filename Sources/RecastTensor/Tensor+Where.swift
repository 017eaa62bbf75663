extension Tensor {
  /// ONNX `Where`: `condition ? x : y` elementwise, all three broadcast together. `condition` is bool;
  /// `x` and `y` share any fixed-width type.
  public static func `where`(_ condition: Tensor, _ x: Tensor, _ y: Tensor) throws(TensorError) -> Tensor {
    guard condition.dtype == .bool else { throw TensorError("Where: condition must be bool, found \(condition.dtype)") }
    guard x.dtype == y.dtype else { throw TensorError("Where: x and y types differ (\(x.dtype), \(y.dtype))") }
    switch x.dtype.bitWidth {
    case 8: return try select(condition, x, y, UInt8.self)
    case 16: return try select(condition, x, y, UInt16.self)
    case 32: return try select(condition, x, y, UInt32.self)
    case 64: return try select(condition, x, y, UInt64.self)
    default: throw TensorError("Where: unsupported type \(x.dtype)")
    }
  }

  private static func select<T: BitwiseCopyable>(
    _ condition: Tensor, _ x: Tensor, _ y: Tensor, _: T.Type
  ) throws(TensorError) -> Tensor {
    let plan = try BroadcastPlan(shapes: [condition.shape, x.shape, y.shape])
    var out = Tensor(uninitialized: x.dtype, shape: plan.outputShape)
    condition.withUnsafeBufferPointer(as: UInt8.self) { pc in
      x.withUnsafeBufferPointer(as: T.self) { px in
        y.withUnsafeBufferPointer(as: T.self) { py in
          out.withUnsafeMutableBufferPointer(as: T.self) { po in
            guard let c = pc.baseAddress, let a = px.baseAddress, let b = py.baseAddress, let o = po.baseAddress
            else { return }
            let (sc, sa, sb) = (plan.innerStrides[0], plan.innerStrides[1], plan.innerStrides[2])
            plan.forEachChunk { runs, elements in
              for run in runs {
                let start = elements.lowerBound
                let rc = c + plan.runOffset(run, 0) + start * sc
                let ra = a + plan.runOffset(run, 1) + start * sa
                let rb = b + plan.runOffset(run, 2) + start * sb
                let ro = o + run * plan.runLength + start
                for i in 0..<elements.count { ro[i] = rc[i * sc] != 0 ? ra[i * sa] : rb[i * sb] }
              }
            }
          }
        }
      }
    }
    return out
  }
}
