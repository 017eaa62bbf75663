/// ONNX `auto_pad`.
public enum AutoPad: String, Sendable, CaseIterable {
  case notSet = "NOTSET"
  case sameUpper = "SAME_UPPER"
  case sameLower = "SAME_LOWER"
  case valid = "VALID"
}

/// Output sizes and resolved padding of a sliding-window operator (Conv, pools) over the spatial axes.
struct SpatialGeometry: Equatable {
  var input: [Int]
  var kernel: [Int]
  var strides: [Int]
  var dilations: [Int]
  var padBegin: [Int]
  var padEnd: [Int]
  var output: [Int]

  /// Resolves ONNX attributes (absent lists default to 1s and 0s). `ceilMode` applies to pools; as in
  /// onnxruntime, a last window that would start inside the end padding is dropped.
  init(
    op: String, input: [Int], kernel: [Int], strides: [Int]?, dilations: [Int]?, pads: [Int]?, autoPad: AutoPad,
    ceilMode: Bool = false
  ) throws(TensorError) {
    let n = input.count
    self.input = input
    self.kernel = kernel
    self.strides = strides ?? Array(repeating: 1, count: n)
    self.dilations = dilations ?? Array(repeating: 1, count: n)
    let pads = pads ?? Array(repeating: 0, count: 2 * n)
    guard kernel.count == n, self.strides.count == n, self.dilations.count == n, pads.count == 2 * n else {
      throw TensorError("\(op): kernel, strides, dilations and pads must match \(n) spatial axes")
    }
    guard self.strides.allSatisfy({ $0 > 0 }), self.dilations.allSatisfy({ $0 > 0 }), kernel.allSatisfy({ $0 > 0 })
    else { throw TensorError("\(op): kernel, strides and dilations must be positive") }
    padBegin = Array(pads[..<n])
    padEnd = Array(pads[n...])
    output = []
    for i in 0..<n {
      let span = (kernel[i] - 1) * self.dilations[i] + 1
      let stride = self.strides[i]
      switch autoPad {
      case .sameUpper, .sameLower:
        let out = (input[i] + stride - 1) / stride
        let total = Swift.max(0, (out - 1) * stride + span - input[i])
        padBegin[i] = autoPad == .sameUpper ? total / 2 : total - total / 2
        padEnd[i] = total - padBegin[i]
        output.append(out)
      case .valid:
        padBegin[i] = 0
        padEnd[i] = 0
        output.append(Swift.max(0, (input[i] - span) / stride + 1))
      case .notSet:
        let room = input[i] + padBegin[i] + padEnd[i] - span
        guard room >= 0 else {
          throw TensorError("\(op): kernel span \(span) exceeds padded input \(input[i] + padBegin[i] + padEnd[i])")
        }
        var out = room / stride + 1
        if ceilMode {
          out = (room + stride - 1) / stride + 1
          if (out - 1) * stride >= input[i] + padBegin[i] { out -= 1 }
        }
        output.append(out)
      }
    }
  }
}
