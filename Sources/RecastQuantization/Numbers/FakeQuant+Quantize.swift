public import RecastTensor

/// A tensor quantized for export: codes in the ONNX element type plus `QuantizeLinear`/`DequantizeLinear`
/// parameter tensors in ONNX layout.
public struct QuantizedTensor: Sendable {
  /// Codes: int8/uint8 one per byte; int4/uint4/int2/uint2 packed low bits first; float8 codes; float4 packed.
  public var values: Tensor
  /// Float32 scale: `[]` per-tensor, `[C]` per-axis, `x.shape` with `dim / blockSize` at the axis when blocked.
  public var scale: Tensor
  /// Zero point of the ONNX dtype with the scale's shape (zeros for float formats).
  public var zeroPoint: Tensor
  /// The `axis` attribute (`nil` per-tensor).
  public var axis: Int?
  /// The `block_size` attribute (`nil` unless blocked).
  public var blockSize: Int?
}

extension FakeQuant {
  /// `QuantizeLinear`: `q = clamp(round_half_even(x / s) + z, qmin, qmax)` for integers, `q = encode(x / s)`
  /// (saturating, half to even) for floats, stored as the ONNX type. Only the `zp` formulation has an ONNX form.
  public static func quantize(_ x: Tensor, qparams: QParams) throws(QuantizationError) -> QuantizedTensor {
    guard qparams.offset == nil else {
      throw QuantizationError("the minval formulation has no ONNX QuantizeLinear form (its offset is not an integer)")
    }
    let dtype = qparams.dtype
    let values: Tensor
    if !dtype.isFloat && (dtype.bitWidth == 8 || dtype.bitWidth == 4) {
      values = integerCodes(x, qparams, try KernelPlan.layout(x, qparams))
    } else {
      values = genericCodes(x, try KernelPlan(x, qparams))
    }
    return QuantizedTensor(
      values: values, scale: Tensor(shape: qparams.scaleShape, floats: qparams.scale),
      zeroPoint: zeroPointTensor(qparams), axis: qparams.axis.map { normalizedAxis($0, x.rank) },
      blockSize: qparams.blockSize)
  }

  /// 8- and 4-bit integer codes written straight into the output bytes by the vectorised kernels.
  static func integerCodes(_ x: Tensor, _ qparams: QParams, _ layout: GroupLayout) -> Tensor {
    let dtype = qparams.dtype
    let bits = dtype.bitWidth
    let (qmin, qmax) = (Float(dtype.qmin), Float(dtype.qmax))
    let count = layout.count
    func fill(_ out: UnsafeMutablePointer<UInt8>) {
      x.withUnsafeBufferPointer(as: Float.self) { px in
        qparams.scale.withUnsafeBufferPointer { ps in
          qparams.zeroPoint.withUnsafeBufferPointer { pz in
            guard let xs = px.baseAddress, let s = ps.baseAddress, let z = pz.baseAddress else { return }
            let o = SendableBox(out)
            QuantParallel.chunks(count, unit: bits == 4 ? 2 : 1) { range in
              IntegerCodes.write(xs, o.value, range, layout, scale: s, zeroPoint: z, qmin: qmin, qmax: qmax, bits: bits)
            }
          }
        }
      }
    }
    var values = Tensor(uninitialized: dtype.onnxType, shape: x.shape)
    values.withUnsafeMutableRawBytes { p in
      if let out = p.baseAddress { fill(out.assumingMemoryBound(to: UInt8.self)) }
    }
    return values
  }

  /// Codes through the per-format scalar path (every dtype); the reference for the vectorised kernels.
  static func genericCodes(_ x: Tensor, _ plan: KernelPlan) -> Tensor {
    let dtype = plan.dtype
    let count = plan.layout.count
    var codes = [UInt8](repeating: 0, count: count)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      codes.withUnsafeMutableBufferPointer { pc in
        guard let xs = px.baseAddress, let cs = pc.baseAddress else { return }
        let c = SendableBox(cs)
        QuantParallel.chunks(count, unit: 2) { range in plan.quantize(xs, c.value, range) }
      }
    }
    switch dtype.bitWidth {
    case 8: return Tensor(dtype: dtype.onnxType, shape: x.shape, rawBytes: codes)
    default: return Tensor(dtype: dtype.onnxType, shape: x.shape, rawBytes: pack(codes, bits: dtype.bitWidth))
    }
  }

  /// `quantize` through the scalar reference path only (for comparing the vectorised kernels against it).
  static func quantizeGeneric(_ x: Tensor, qparams: QParams) throws(QuantizationError) -> Tensor {
    try genericCodes(x, KernelPlan(x, qparams))
  }

  /// The zero point as an ONNX tensor of the quantized type, shaped like the scale.
  public static func zeroPointTensor(_ qparams: QParams) -> Tensor {
    let type = qparams.dtype.onnxType
    let codes = qparams.zeroPoint.map { UInt8(truncatingIfNeeded: $0) }
    if qparams.dtype.bitWidth == 8 { return Tensor(dtype: type, shape: qparams.scaleShape, rawBytes: codes) }
    return Tensor(dtype: type, shape: qparams.scaleShape, rawBytes: pack(codes, bits: qparams.dtype.bitWidth))
  }

  static func normalizedAxis(_ axis: Int, _ rank: Int) -> Int { axis < 0 ? axis + rank : axis }

  /// Packs 4- or 2-bit codes low bits first (ONNX layout), in parallel for large inputs.
  static func pack(_ codes: [UInt8], bits: Int) -> [UInt8] {
    let perByte = 8 / bits
    let mask = UInt8((1 << bits) - 1)
    let byteCount = (codes.count * bits + 7) / 8
    var bytes = [UInt8](repeating: 0, count: byteCount)
    codes.withUnsafeBufferPointer { pc in
      bytes.withUnsafeMutableBufferPointer { pb in
        guard let c = pc.baseAddress, let b = pb.baseAddress else { return }
        let out = SendableBox(b)
        let n = codes.count
        QuantParallel.chunks(byteCount) { range in
          let o = out.value
          if bits == 4 {
            let full = Swift.min(range.upperBound, n / 2)
            if range.lowerBound < full {
              for j in range.lowerBound..<full { o[j] = (c[2 * j] & 0x0F) | (c[2 * j + 1] << 4) }
            }
            if n % 2 == 1 && range.contains(n / 2) { o[n / 2] = c[n - 1] & 0x0F }
          } else {
            for j in range {
              var byte: UInt8 = 0
              for k in 0..<perByte where j * perByte + k < n {
                byte |= (c[j * perByte + k] & mask) << UInt8(k * bits)
              }
              o[j] = byte
            }
          }
        }
      }
    }
    return bytes
  }
}

extension KernelPlan {
  /// Writes the raw code byte of each element: the two's-complement low byte for integers, the format code for
  /// floats.
  func quantize(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>, _ range: Range<Int>) {
    if let format = dtype.miniFloat {
      layout.forEachRun(in: range) { start, end, g, stride in
        for i in start..<end { out[i] = format.encode(x[i] / scale[g + (i - start) * stride]) }
      }
      return
    }
    scale.withUnsafeBufferPointer { ps in
      low.withUnsafeBufferPointer { pl in
        high.withUnsafeBufferPointer { ph in
          zero.withUnsafeBufferPointer { pz in
            let (s, l, h, z) = (ps.baseAddress!, pl.baseAddress!, ph.baseAddress!, pz.baseAddress!)
            layout.forEachRun(in: range) { start, end, g, stride in
              if stride == 0 {
                let (sk, lk, hk, zk) = (s[g], l[g], h[g], Float(z[g]))
                for i in start..<end {
                  let c = KernelPlan.code(x[i], 0, sk, lk, hk) + zk
                  out[i] = UInt8(truncatingIfNeeded: Int32(c))
                }
              } else {
                for i in start..<end {
                  let k = g + i - start
                  let c = KernelPlan.code(x[i], 0, s[k], l[k], h[k]) + Float(z[k])
                  out[i] = UInt8(truncatingIfNeeded: Int32(c))
                }
              }
            }
          }
        }
      }
    }
  }
}
