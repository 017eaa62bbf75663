import Foundation
import RecastTensor

/// A row-major Double array with a shape: the values the gradient checks differentiate numerically.
struct DTensor: Sendable {
  var shape: [Int]
  var values: [Double]

  init(shape: [Int], values: [Double]) {
    precondition(shape.reduce(1, *) == values.count, "\(values.count) values for \(shape)")
    self.shape = shape
    self.values = values
  }

  init(zeros shape: [Int]) { self.init(shape: shape, values: Array(repeating: 0, count: shape.reduce(1, *))) }

  /// From a float32 or float64 tensor.
  init(_ tensor: Tensor) {
    let values = tensor.dtype == .float64 ? tensor.scalars(as: Double.self) : tensor.floats().map(Double.init)
    self.init(shape: tensor.shape, values: values)
  }

  var float32: Tensor { Tensor(shape: shape, floats: values.map { Float($0) }) }
  var float64: Tensor { Tensor(shape: shape, scalars: values, dtype: .float64) }
  var count: Int { values.count }
}

/// Float64 implementations of the ops the executor runs only in float32, written as plainly as possible (direct
/// loops from the ONNX definitions) so the central differences of the gradient checks are taken in Double.
/// Each one is also compared with the executor's float32 forward, so a wrong reference cannot pass unnoticed.
enum DoubleReference {
  typealias Op = @Sendable ([DTensor?]) throws -> [DTensor]

  static func unary(_ f: @escaping @Sendable (Double) -> Double) -> Op {
    { inputs in [DTensor(shape: inputs[0]!.shape, values: inputs[0]!.values.map(f))] }
  }

  static func erf(_ x: Double) -> Double { Foundation.erf(x) }

  /// The index of `axis`-split layout: (outer, size, inner).
  static func split(_ shape: [Int], _ axis: Int) -> (Int, Int, Int) {
    (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
  }

  static func softmax(axis: Int, log: Bool) -> Op {
    { inputs in
      let x = inputs[0]!
      let a = axis < 0 ? axis + x.shape.count : axis
      let (outer, n, inner) = split(x.shape, a)
      var y = x
      for o in 0..<outer {
        for i in 0..<inner {
          let idx = (0..<n).map { (o * n + $0) * inner + i }
          let m = idx.map { x.values[$0] }.max()!
          let total = idx.map { Foundation.exp(x.values[$0] - m) }.reduce(0, +)
          for j in idx {
            y.values[j] = log ? x.values[j] - m - Foundation.log(total) : Foundation.exp(x.values[j] - m) / total
          }
        }
      }
      return [y]
    }
  }

  /// LayerNormalization over the axes from `axis` on; scale and bias broadcast over them.
  static func layerNorm(axis: Int, epsilon: Double) -> Op {
    { inputs in
      let x = inputs[0]!
      let a = axis < 0 ? axis + x.shape.count : axis
      let outer = x.shape[..<a].reduce(1, *)
      let n = x.count / outer
      let scale = inputs[1]!
      let bias = inputs.count > 2 ? inputs[2] : nil
      var y = x
      for o in 0..<outer {
        let row = Array(x.values[o * n..<(o + 1) * n])
        let mean = row.reduce(0, +) / Double(n)
        let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        for j in 0..<n {
          let s = scale.values[j % scale.count]
          let b = bias.map { $0.values[j % $0.count] } ?? 0
          y.values[o * n + j] = (row[j] - mean) / (variance + epsilon).squareRoot() * s + b
        }
      }
      return [y]
    }
  }

  /// BatchNormalization with batch statistics (biased variance) or with given running statistics.
  static func batchNorm(epsilon: Double, training: Bool) -> Op {
    { inputs in
      let x = inputs[0]!
      let (n, c) = (x.shape[0], x.shape[1])
      let plane = x.count / (n * c)
      var y = x
      for ch in 0..<c {
        let idx = (0..<n).flatMap { image in (0..<plane).map { (image * c + ch) * plane + $0 } }
        var mean = inputs[3]!.values[ch]
        var variance = inputs[4]!.values[ch]
        if training {
          mean = idx.map { x.values[$0] }.reduce(0, +) / Double(idx.count)
          variance = idx.map { (x.values[$0] - mean) * (x.values[$0] - mean) }.reduce(0, +) / Double(idx.count)
        }
        for j in idx {
          y.values[j] =
            (x.values[j] - mean) / (variance + epsilon).squareRoot() * inputs[1]!.values[ch] + inputs[2]!.values[ch]
        }
      }
      return [y]
    }
  }

  static func reduce(mean: Bool, axes: [Int]?, keepDims: Bool) -> Op {
    { inputs in
      let x = inputs[0]!
      let rank = x.shape.count
      let resolved = Set((axes ?? Array(0..<rank)).map { $0 < 0 ? $0 + rank : $0 })
      let kept = x.shape.enumerated().map { resolved.contains($0.offset) ? 1 : $0.element }
      var y = DTensor(zeros: kept)
      let strides = Shape.strides(x.shape)
      let keptStrides = Shape.strides(kept)
      for i in 0..<x.count {
        var target = 0
        for axis in 0..<rank where !resolved.contains(axis) {
          target += (i / strides[axis]) % x.shape[axis] * keptStrides[axis]
        }
        y.values[target] += x.values[i]
      }
      if mean {
        let count = Double(x.count / max(y.count, 1))
        y.values = y.values.map { $0 / count }
      }
      if !keepDims { y.shape = x.shape.enumerated().filter { !resolved.contains($0.offset) }.map(\.element) }
      return [y]
    }
  }

  /// Resolved (padBegin, padEnd, output) of one spatial axis.
  static func axisGeometry(
    input: Int, kernel: Int, stride: Int, dilation: Int, pads: (Int, Int), autoPad: String, ceil: Bool = false
  ) -> (Int, Int, Int) {
    let span = (kernel - 1) * dilation + 1
    if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
      let out = (input + stride - 1) / stride
      let total = max(0, (out - 1) * stride + span - input)
      let begin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
      return (begin, total - begin, out)
    }
    let room = input + pads.0 + pads.1 - span
    var out = room / stride + 1
    if ceil {
      out = (room + stride - 1) / stride + 1
      if (out - 1) * stride >= input + pads.0 { out -= 1 }
    }
    return (pads.0, pads.1, out)
  }

  /// Conv over 2-D images (`[N, C, H, W]`), or 1-D ones given as `[N, C, L]`.
  static func conv(strides: [Int], pads: [Int], dilations: [Int], group: Int, autoPad: String = "NOTSET") -> Op {
    { inputs in
      let oneD = inputs[0]!.shape.count == 3
      let x = oneD ? lift(inputs[0]!) : inputs[0]!
      let w = oneD ? lift(inputs[1]!) : inputs[1]!
      let (s, p, d) = oneD ? ([1] + strides, [0, pads[0], 0, pads[1]], [1] + dilations) : (strides, pads, dilations)
      let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
      let (m, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
      let gh = axisGeometry(input: h, kernel: kh, stride: s[0], dilation: d[0], pads: (p[0], p[2]), autoPad: autoPad)
      let gw = axisGeometry(input: wd, kernel: kw, stride: s[1], dilation: d[1], pads: (p[1], p[3]), autoPad: autoPad)
      let (oh, ow) = (gh.2, gw.2)
      let mg = m / group
      var y = DTensor(zeros: [n, m, oh, ow])
      for image in 0..<n {
        for oc in 0..<m {
          let g = oc / mg
          for i in 0..<oh {
            for j in 0..<ow {
              var total = inputs.count > 2 ? inputs[2]?.values[oc] ?? 0 : 0
              for ic in 0..<cg {
                for a in 0..<kh {
                  for b in 0..<kw {
                    let (yy, xx) = (i * s[0] - gh.0 + a * d[0], j * s[1] - gw.0 + b * d[1])
                    guard yy >= 0, yy < h, xx >= 0, xx < wd else { continue }
                    total +=
                      x.values[((image * c + g * cg + ic) * h + yy) * wd + xx]
                      * w.values[((oc * cg + ic) * kh + a) * kw + b]
                  }
                }
              }
              y.values[((image * m + oc) * oh + i) * ow + j] = total
            }
          }
        }
      }
      return [oneD ? drop(y) : y]
    }
  }

  /// ConvTranspose over 2-D images (or 1-D as `[N, C, L]`), explicit pads and output padding.
  static func convTranspose(strides: [Int], pads: [Int], dilations: [Int], group: Int, outputPadding: [Int]) -> Op {
    { inputs in
      let oneD = inputs[0]!.shape.count == 3
      let x = oneD ? lift(inputs[0]!) : inputs[0]!
      let w = oneD ? lift(inputs[1]!) : inputs[1]!
      let s = oneD ? [1] + strides : strides
      let p = oneD ? [0, pads[0], 0, pads[1]] : pads
      let d = oneD ? [1] + dilations : dilations
      let op = oneD ? [0] + outputPadding : outputPadding
      let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
      let (mg, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
      let cg = c / group
      let m = mg * group
      let oh = s[0] * (h - 1) + op[0] + (kh - 1) * d[0] + 1 - p[0] - p[2]
      let ow = s[1] * (wd - 1) + op[1] + (kw - 1) * d[1] + 1 - p[1] - p[3]
      var y = DTensor(zeros: [n, m, oh, ow])
      for image in 0..<n {
        for ic in 0..<c {
          let g = ic / cg
          for i in 0..<h {
            for j in 0..<wd {
              let v = x.values[((image * c + ic) * h + i) * wd + j]
              for oc in 0..<mg {
                for a in 0..<kh {
                  for b in 0..<kw {
                    let (yy, xx) = (i * s[0] - p[0] + a * d[0], j * s[1] - p[1] + b * d[1])
                    guard yy >= 0, yy < oh, xx >= 0, xx < ow else { continue }
                    y.values[((image * m + g * mg + oc) * oh + yy) * ow + xx] +=
                      v * w.values[((ic * mg + oc) * kh + a) * kw + b]
                  }
                }
              }
            }
          }
        }
      }
      if inputs.count > 2, let bias = inputs[2] {
        for i in 0..<y.count { y.values[i] += bias.values[(i / (oh * ow)) % m] }
      }
      return [oneD ? drop(y) : y]
    }
  }

  /// MaxPool / AveragePool over 2-D images (or 1-D as `[N, C, L]`).
  static func pool(
    max isMax: Bool, kernel: [Int], strides: [Int], pads: [Int], dilations: [Int]? = nil, ceil: Bool = false,
    countIncludePad: Bool = false
  ) -> Op {
    { inputs in
      let oneD = inputs[0]!.shape.count == 3
      let x = oneD ? lift(inputs[0]!) : inputs[0]!
      let k = oneD ? [1] + kernel : kernel
      let s = oneD ? [1] + strides : strides
      let p = oneD ? [0, pads[0], 0, pads[1]] : pads
      let d = (dilations.map { oneD ? [1] + $0 : $0 }) ?? [1, 1]
      let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
      let gh = axisGeometry(
        input: h, kernel: k[0], stride: s[0], dilation: d[0], pads: (p[0], p[2]), autoPad: "", ceil: ceil)
      let gw = axisGeometry(
        input: wd, kernel: k[1], stride: s[1], dilation: d[1], pads: (p[1], p[3]), autoPad: "", ceil: ceil)
      var y = DTensor(zeros: [n, c, gh.2, gw.2])
      for plane in 0..<n * c {
        for i in 0..<gh.2 {
          for j in 0..<gw.2 {
            var best = -Double.infinity
            var total = 0.0
            var inside = 0
            var padded = 0
            for a in 0..<k[0] {
              for b in 0..<k[1] {
                let (yy, xx) = (i * s[0] - p[0] + a * d[0], j * s[1] - p[1] + b * d[1])
                if yy < h + p[2] && xx < wd + p[3] { padded += 1 }
                guard yy >= 0, yy < h, xx >= 0, xx < wd else { continue }
                let v = x.values[(plane * h + yy) * wd + xx]
                best = Swift.max(best, v)
                total += v
                inside += 1
              }
            }
            y.values[(plane * gh.2 + i) * gw.2 + j] = isMax ? best : total / Double(countIncludePad ? padded : inside)
          }
        }
      }
      return [oneD ? drop(y) : y]
    }
  }

  static let globalAveragePool: Op = { inputs in
    let x = inputs[0]!
    let plane = x.shape[2...].reduce(1, *)
    let planes = x.count / plane
    let values = (0..<planes).map { q in x.values[q * plane..<(q + 1) * plane].reduce(0, +) / Double(plane) }
    return [DTensor(shape: Array(x.shape[..<2]) + Array(repeating: 1, count: x.shape.count - 2), values: values)]
  }

  /// Gemm: `α·op(A)·op(B) + β·C` with C broadcast.
  static func gemm(alpha: Double, beta: Double, transA: Bool, transB: Bool) -> Op {
    { inputs in
      let (a, b) = (inputs[0]!, inputs[1]!)
      let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
      let n = transB ? b.shape[0] : b.shape[1]
      var y = DTensor(zeros: [m, n])
      for i in 0..<m {
        for j in 0..<n {
          var total = 0.0
          for l in 0..<k {
            total += a.values[transA ? l * m + i : i * k + l] * b.values[transB ? j * k + l : l * n + j]
          }
          var bias = 0.0
          if inputs.count > 2, let c = inputs[2] {
            let shape = Array(repeating: 1, count: 2 - c.shape.count) + c.shape
            bias = c.values[(shape[0] == 1 ? 0 : i) * shape[1] + (shape[1] == 1 ? 0 : j)]
          }
          y.values[i * n + j] = alpha * total + beta * bias
        }
      }
      return [y]
    }
  }

  /// numpy matmul: 1-D operands promoted, batch axes broadcast.
  static let matmul: Op = { inputs in
    var (a, b) = (inputs[0]!, inputs[1]!)
    let (aVector, bVector) = (a.shape.count == 1, b.shape.count == 1)
    if aVector { a.shape = [1, a.shape[0]] }
    if bVector { b.shape = [b.shape[0], 1] }
    let (m, k, n) = (a.shape[a.shape.count - 2], a.shape.last!, b.shape.last!)
    let batch = try Shape.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
    let batches = batch.reduce(1, *)
    var y = DTensor(zeros: batch + [m, n])
    func offset(_ shape: [Int], _ index: Int) -> Int {
      let own = Array(shape.dropLast(2))
      let strides = Shape.strides(own)
      let lead = batch.count - own.count
      var rest = index
      var result = 0
      for axis in stride(from: batch.count - 1, through: 0, by: -1) {
        let coordinate = rest % batch[axis]
        rest /= batch[axis]
        if axis >= lead, own[axis - lead] != 1 { result += coordinate * strides[axis - lead] }
      }
      return result
    }
    for q in 0..<batches {
      let (oa, ob) = (offset(a.shape, q) * m * k, offset(b.shape, q) * k * n)
      for i in 0..<m {
        for j in 0..<n {
          var total = 0.0
          for l in 0..<k { total += a.values[oa + i * k + l] * b.values[ob + l * n + j] }
          y.values[(q * m + i) * n + j] = total
        }
      }
    }
    var shape = batch + [m, n]
    if bVector { shape.removeLast() }
    if aVector { shape.remove(at: shape.count - (bVector ? 1 : 2)) }
    y.shape = shape
    return [y]
  }

  private static func lift(_ t: DTensor) -> DTensor {
    DTensor(shape: [t.shape[0], t.shape[1], 1, t.shape[2]], values: t.values)
  }

  private static func drop(_ t: DTensor) -> DTensor {
    DTensor(shape: [t.shape[0], t.shape[1], t.shape[3]], values: t.values)
  }
}
