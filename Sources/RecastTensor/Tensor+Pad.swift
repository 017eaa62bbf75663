/// ONNX `Pad` modes.
public enum PadMode: String, Sendable, CaseIterable {
  case constant, reflect, edge, wrap
}

extension Tensor {
  /// ONNX `Pad`: `pads` lists the begin amounts for every padded axis, then the end amounts (negative
  /// amounts crop). `axes` (default all) selects the axes the pads refer to. `constant` fills with
  /// `value`'s single element (default zero); `reflect` mirrors without repeating the edge; `edge`
  /// repeats it; `wrap` tiles cyclically.
  public func padded(
    _ pads: [Int], mode: PadMode = .constant, value: Tensor? = nil, axes: [Int]? = nil
  ) throws(TensorError) -> Tensor {
    let axes = try Shape.normalize(axes: axes ?? Array(0..<rank), rank: rank, op: "Pad")
    guard pads.count == 2 * axes.count else { throw TensorError("Pad: \(pads.count) pads for \(axes.count) axes") }
    guard dtype.bitWidth % 8 == 0, dtype.bitWidth > 0 else { throw TensorError("Pad: unsupported type \(dtype)") }
    if let value, value.dtype != dtype || value.count != 1 {
      throw TensorError("Pad: constant value must be one \(dtype) element")
    }
    var begin = [Int](repeating: 0, count: rank)
    var outShape = shape
    for (i, axis) in axes.enumerated() {
      begin[axis] = pads[i]
      outShape[axis] = shape[axis] + pads[i] + pads[i + axes.count]
      guard outShape[axis] >= 0 else { throw TensorError("Pad: pads \(pads) crop axis \(axis) below zero") }
      if mode != .constant && shape[axis] == 0 && outShape[axis] > 0 {
        throw TensorError("Pad: \(mode.rawValue) mode cannot pad the empty axis \(axis)")
      }
    }
    // Per axis: output index → input index, or −1 for the constant.
    var maps: [[Int]] = []
    for axis in 0..<rank {
      let dim = shape[axis]
      maps.append(
        (0..<outShape[axis]).map { o in
          let i = o - begin[axis]
          if i >= 0 && i < dim { return i }
          switch mode {
          case .constant: return -1
          case .edge: return Swift.min(Swift.max(i, 0), dim - 1)
          case .wrap: return ((i % dim) + dim) % dim
          case .reflect:
            if dim == 1 { return 0 }
            let period = 2 * (dim - 1)
            let r = ((i % period) + period) % period
            return r < dim ? r : period - r
          }
        })
    }
    switch dtype.bitWidth {
    case 8: return padCopy(maps, outShape, value, UInt8.self)
    case 16: return padCopy(maps, outShape, value, UInt16.self)
    case 32: return padCopy(maps, outShape, value, UInt32.self)
    default: return padCopy(maps, outShape, value, UInt64.self)
    }
  }

  private func padCopy<T: BitwiseCopyable>(_ maps: [[Int]], _ outShape: [Int], _ value: Tensor?, _: T.Type) -> Tensor {
    var out = Tensor(zeros: dtype, shape: outShape)
    let fill: T = value?.withUnsafeBufferPointer(as: T.self) { $0[0] } ?? zeroBits(T.self)
    guard out.count > 0 else { return out }
    if rank == 0 { return self }
    let strides = Shape.strides(shape)
    let inner = outShape[rank - 1]
    let rows = out.count / inner
    let lastMap = maps[rank - 1]
    withUnsafeBufferPointer(as: T.self) { src in
      out.withUnsafeMutableBufferPointer(as: T.self) { dst in
        lastMap.withUnsafeBufferPointer { last in
          var index = [Int](repeating: 0, count: rank - 1)
          for row in 0..<rows {
            var base = 0
            var constant = false
            for axis in 0..<(rank - 1) {
              let i = maps[axis][index[axis]]
              if i < 0 { constant = true }
              base += i * strides[axis]
            }
            let to = row * inner
            if constant {
              for j in 0..<inner { dst[to + j] = fill }
            } else {
              for j in 0..<inner {
                let i = last[j]
                dst[to + j] = i < 0 ? fill : src[base + i]
              }
            }
            var axis = rank - 2
            while axis >= 0 {
              index[axis] += 1
              if index[axis] < outShape[axis] { break }
              index[axis] = 0
              axis -= 1
            }
          }
        }
      }
    }
    return out
  }
}

/// All-zero bits of the width of `T` (the bit patterns of float and integer zero).
private func zeroBits<T>(_: T.Type) -> T {
  withUnsafeTemporaryAllocation(of: UInt8.self, capacity: MemoryLayout<T>.size) { buffer in
    buffer.initialize(repeating: 0)
    return UnsafeRawPointer(buffer.baseAddress!).loadUnaligned(as: T.self)
  }
}
