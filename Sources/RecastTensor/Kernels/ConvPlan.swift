/// How a grouped 2-D convolution runs as im2col + `sgemm`.
///
/// Small images (output planes under `largePlane`) in a batch are cut into chunks of whole images. Each chunk
/// runs start to finish on one thread while its data is in that core's cache: one im2col over all its images
/// (`[C·kh·kw, images·outH·outW]`, images side by side), then single-threaded `sgemm`s, one per image straight
/// into `[N, M, outH, outW]` reading that image's columns (`perImageGemm`), or for very narrow planes one over the
/// whole chunk followed by a scatter; bias and ReLU are applied in the same pass. Chunks are sized from the
/// column matrix alone (never from the core count), so results do not depend on the machine. A batch that fits
/// one chunk runs as one GEMM (threaded unfold, threaded `sgemm`); large images go one at a time, straight into
/// the output, and 1×1 stride-1 unpadded kernels skip im2col.
struct ConvPlan {
  /// Column-matrix size (floats) up to which images share a GEMM on the one-GEMM path.
  static let columnBudget = 1 << 21
  /// Column-matrix size (floats) of one chunk: unfold, GEMM and scatter stay within a core's L2 cache.
  static let chunkBudget = 1 << 16
  /// Multiply-adds a chunk needs to be worth handing to another thread (the pool's threads are already awake).
  static let minimumChunkWork = 1 << 17
  /// Output planes at least this large get a GEMM per image.
  static let largePlane = 4096
  /// Output planes below this many values share a chunk's GEMM (too narrow for one of their own).
  static let narrowestImage = 16

  let batch: Int
  let outputs: Int
  let group: Int
  let geometry: SpatialGeometry
  /// Input channels and output channels per group.
  let cg: Int
  let mg: Int
  /// GEMM depth: `cg · kh · kw`.
  let kSize: Int
  let inHW: Int
  let outHW: Int
  let pointwise: Bool
  /// Images per GEMM on the one-GEMM and per-image paths.
  let imagesPerGemm: Int
  /// Independent image chunks; 1 selects the one-GEMM or per-image path.
  let chunks: Int
  /// Whether a chunk runs a GEMM per image (straight into the output) rather than one over all its images and a
  /// scatter. OpenBLAS is fastest on narrow products here (for `[32, 144] × [144, n]`, 115 GFLOP/s at n = 64
  /// against 66 at n = 2048 on one Zen 4 core), as long as packing the weights again for every image is cheap:
  /// they fit the chunk budget, or each image has at least as many columns as the weights have rows.
  let perImageGemm: Bool
  /// Clamp outputs at zero (a fused `Relu`).
  let relu: Bool

  init(batch: Int, channels: Int, outputs: Int, group: Int, geometry g: SpatialGeometry, relu: Bool = false) {
    self.relu = relu
    self.batch = batch
    self.outputs = outputs
    self.group = group
    geometry = g
    cg = channels / group
    mg = outputs / group
    kSize = cg * g.kernel[0] * g.kernel[1]
    inHW = g.input[0] * g.input[1]
    outHW = g.output[0] * g.output[1]
    pointwise = g.kernel == [1, 1] && g.strides == [1, 1] && g.padBegin == [0, 0] && g.padEnd == [0, 0]
    perImageGemm = outHW >= ConvPlan.narrowestImage && (outHW >= mg || mg * kSize <= ConvPlan.chunkBudget)
    if outHW >= ConvPlan.largePlane || batch <= 1 {
      imagesPerGemm = 1
      chunks = 1
      return
    }
    imagesPerGemm = Swift.min(batch, Swift.max(1, ConvPlan.columnBudget / Swift.max(kSize * outHW, 1)))
    chunks = ConvPlan.chunkCount(
      batch: batch, columnsPerImage: outHW, depth: kSize, outputs: mg, work: batch * outHW * kSize * outputs)
  }

  /// How many chunks a batch of small images is cut into. A chunk's GEMM packs the weights again, so it gets at
  /// least as many columns as there are output channels; beyond that, as many images as fit `chunkBudget`. A
  /// batch that fits one chunk is still halved when each half has enough work for a thread of its own. The count
  /// is rounded up to an even number so that two cores get equal shares.
  static func chunkCount(batch: Int, columnsPerImage: Int, depth: Int, outputs: Int, work: Int) -> Int {
    let fewest = Swift.min(batch, Swift.max(1, (outputs + columnsPerImage - 1) / columnsPerImage))
    let fitting = Swift.min(batch, Swift.max(fewest, chunkBudget / Swift.max(depth * columnsPerImage, 1)))
    var count = (batch + fitting - 1) / fitting
    if count == 1 && batch >= 2 * fewest && work >= 2 * minimumChunkWork { count = 2 }
    if count > 1 && count % 2 == 1 { count += 1 }
    return Swift.min(count, batch)
  }

  /// Images `[first, end)` of chunk `index`: consecutive, sizes differing by at most one.
  func chunk(_ index: Int) -> Range<Int> { (index * batch / chunks)..<((index + 1) * batch / chunks) }

  /// Computes `y` (`[N, M, outH, outW]`, every element written) from `x`, `weight` and an optional bias.
  func run(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>
  ) {
    if chunks > 1 {
      runChunks(x: x, weight: weight, bias: bias, y: y)
      return
    }
    let c = cg * group
    if imagesPerGemm == 1 && pointwise {
      for image in 0..<batch {
        for gi in 0..<group {
          sgemm(
            transA: false, transB: false, m: mg, n: outHW, k: kSize, alpha: 1, a: weight + gi * mg * kSize, lda: kSize,
            b: x + (image * c + gi * cg) * inHW, ldb: outHW, beta: 0, c: y + (image * outputs + gi * mg) * outHW,
            ldc: outHW)
        }
      }
      finishChannels(y, bias: bias, relu: relu, batch: batch, channels: outputs, plane: outHW)
      return
    }
    let width = imagesPerGemm * outHW
    let column = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(kSize * width, 1))
    defer { column.deallocate() }
    let product = UnsafeMutablePointer<Float>.allocate(capacity: imagesPerGemm > 1 ? mg * width : 1)
    defer { product.deallocate() }
    for first in stride(from: 0, to: batch, by: imagesPerGemm) {
      let images = Swift.min(imagesPerGemm, batch - first)
      for gi in 0..<group {
        unfold(x, first: first, images: images, group: gi, into: column, rowStride: width)
        let w = weight + gi * mg * kSize
        if imagesPerGemm == 1 {
          sgemm(
            transA: false, transB: false, m: mg, n: outHW, k: kSize, alpha: 1, a: w, lda: kSize, b: column,
            ldb: width, beta: 0, c: y + (first * outputs + gi * mg) * outHW, ldc: outHW)
        } else {
          sgemm(
            transA: false, transB: false, m: mg, n: images * outHW, k: kSize, alpha: 1, a: w, lda: kSize, b: column,
            ldb: width, beta: 0, c: product, ldc: width)
          scatter(product, rowStride: width, first: first, images: images, group: gi, bias: bias, into: y)
        }
      }
    }
    if imagesPerGemm == 1 { finishChannels(y, bias: bias, relu: relu, batch: batch, channels: outputs, plane: outHW) }
  }

  /// The chunked path: each chunk unfolds, multiplies and scatters its images on one thread, with buffers sized
  /// for the largest chunk and reused by every chunk that thread takes.
  private func runChunks(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>
  ) {
    let (kSize, mg, outHW, inHW, cg, group, outputs, relu, pointwise, perImageGemm) = (
      kSize, mg, outHW, inHW, cg, group, outputs, relu, pointwise, perImageGemm
    )
    let width = (batch + chunks - 1) / chunks * outHW
    let small = geometry.output[1] <= SmallImageUnfold.maxWidth
    let (ph, pw) = SmallImageUnfold.paddedSize(geometry)
    parallelFor(chunks, grain: 1) { range in
      let column = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(kSize * width, 1))
      defer { column.deallocate() }
      let product = UnsafeMutablePointer<Float>.allocate(capacity: width > outHW && !perImageGemm ? mg * width : 1)
      defer { product.deallocate() }
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: small ? Swift.max(width / outHW * ph * pw, 1) : 1)
      defer { scratch.deallocate() }
      for index in range {
        let images = chunk(index)
        let columns = images.count * outHW
        for gi in 0..<group {
          let separate = perImageGemm || images.count == 1
          // A 1×1 kernel multiplies each image's input planes as they are.
          let direct = pointwise && separate
          if !direct {
            unfoldImages(x, images: images, group: gi, scratch: small ? scratch : nil, into: column, rowStride: columns)
          }
          let w = weight + gi * mg * kSize
          if separate {
            // A GEMM per image, straight into its output planes, reading its columns of the chunk's matrix.
            for (i, image) in images.enumerated() {
              let target = y + (image * outputs + gi * mg) * outHW
              let b = direct ? x + (image * cg * group + gi * cg) * inHW : UnsafePointer(column + i * outHW)
              sgemm(
                transA: false, transB: false, m: mg, n: outHW, k: kSize, alpha: 1, a: w, lda: kSize, b: b,
                ldb: direct ? outHW : columns, beta: 0, c: target, ldc: outHW, threaded: false)
              finishRows(target, bias: bias.map { $0 + gi * mg }, relu: relu, rows: mg, count: outHW)
            }
          } else {
            sgemm(
              transA: false, transB: false, m: mg, n: columns, k: kSize, alpha: 1, a: w, lda: kSize, b: column,
              ldb: columns, beta: 0, c: product, ldc: columns, threaded: false)
            scatterRows(
              product, rowStride: columns, first: images.lowerBound, items: 0..<(images.count * mg), group: gi,
              bias: bias, into: y)
          }
        }
      }
    }
  }

  /// im2col of group `gi` of `images` on the calling thread, image `i` (counted from the first) in columns
  /// `i·outHW ..< (i+1)·outHW` of rows `rowStride` apart. `scratch` (room for the padded planes of
  /// `SmallImageUnfold`, one per image) selects the narrow-image unfold.
  func unfoldImages(
    _ x: UnsafePointer<Float>, images: Range<Int>, group gi: Int, scratch: UnsafeMutablePointer<Float>?,
    into column: UnsafeMutablePointer<Float>, rowStride: Int
  ) {
    let c = cg * group
    let source = x + (images.lowerBound * c + gi * cg) * inHW
    if let scratch {
      SmallImageUnfold.unfold(
        source, images: images.count, imageStride: c * inHW, geometry: geometry, channels: 0..<cg, scratch: scratch,
        into: column, rowStride: rowStride)
      return
    }
    for i in 0..<images.count {
      im2col(
        source + i * c * inHW, geometry: geometry, rows: 0..<kSize, into: column + i * outHW, rowStride: rowStride)
    }
  }

  /// im2col of `images` images of group `gi`, image `i` in columns `i·outHW ..< (i+1)·outHW`, split over threads.
  func unfold(
    _ x: UnsafePointer<Float>, first: Int, images: Int, group gi: Int, into column: UnsafeMutablePointer<Float>,
    rowStride: Int
  ) {
    let (kSize, outHW, inHW, c, cg) = (kSize, outHW, inHW, cg * group, cg)
    let g = geometry
    if g.output[1] <= SmallImageUnfold.maxWidth {
      let (ph, pw) = SmallImageUnfold.paddedSize(g)
      let rowsPerChannel = kSize / Swift.max(cg, 1)
      parallelFor(images * cg, grain: Swift.max(1, (1 << 14) / Swift.max(outHW * rowsPerChannel, 1))) { range in
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(ph * pw, 1))
        defer { scratch.deallocate() }
        var item = range.lowerBound
        while item < range.upperBound {
          let image = item / cg
          let end = Swift.min(range.upperBound, (image + 1) * cg)
          SmallImageUnfold.unfold(
            x + ((first + image) * c + gi * cg) * inHW, geometry: g, channels: (item - image * cg)..<(end - image * cg),
            scratch: scratch, into: column + image * outHW, rowStride: rowStride)
          item = end
        }
      }
      return
    }
    parallelFor(images * kSize, grain: Swift.max(1, (1 << 14) / Swift.max(outHW, 1))) { range in
      var item = range.lowerBound
      while item < range.upperBound {
        let image = item / kSize
        let end = Swift.min(range.upperBound, (image + 1) * kSize)
        im2col(
          x + ((first + image) * c + gi * cg) * inHW, geometry: g, rows: (item - image * kSize)..<(end - image * kSize),
          into: column + image * outHW, rowStride: rowStride)
        item = end
      }
    }
  }

  /// Copies the `[mg, images·outHW]` product of group `gi` into its output planes, adding the bias.
  private func scatter(
    _ product: UnsafePointer<Float>, rowStride: Int, first: Int, images: Int, group gi: Int,
    bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>
  ) {
    parallelFor(images * mg, grain: Swift.max(1, Parallelism.elementwiseGrain / Swift.max(outHW, 1))) { range in
      scatterRows(product, rowStride: rowStride, first: first, items: range, group: gi, bias: bias, into: y)
    }
  }

  /// Scatters product rows `items` (item = image · mg + row, images counted from `first`) of group `gi` into
  /// their output planes with the bias and ReLU, on the calling thread.
  private func scatterRows(
    _ product: UnsafePointer<Float>, rowStride: Int, first: Int, items: Range<Int>, group gi: Int,
    bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>
  ) {
    for item in items {
      let (image, row) = (item / mg, item % mg)
      let source = product + row * rowStride + image * outHW
      let target = y + ((first + image) * outputs + gi * mg + row) * outHW
      let b = bias?[gi * mg + row] ?? 0
      if relu {
        for i in 0..<outHW { target[i] = Swift.max(source[i] + b, 0) }
      } else if bias != nil {
        for i in 0..<outHW { target[i] = source[i] + b }
      } else {
        target.update(from: source, count: outHW)
      }
    }
  }
}

/// Adds the optional `bias[r]` to row `r` of `rows` rows of `count` floats, then clamps at zero when `relu` is
/// set, on the calling thread.
func finishRows(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, relu: Bool, rows: Int, count: Int) {
  if !relu && bias == nil { return }
  for r in 0..<rows {
    let b = bias?[r] ?? 0
    let row = y + r * count
    if relu {
      for i in 0..<count { row[i] = Swift.max(row[i] + b, 0) }
    } else {
      for i in 0..<count { row[i] += b }
    }
  }
}

/// Adds `bias[c]` to every element of channel `c` of an `[N, C, plane]` buffer.
func addChannelBias(
  _ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int
) {
  parallelFor(batch * channels, grain: Swift.max(1, Parallelism.elementwiseGrain / Swift.max(plane, 1))) { range in
    for p in range {
      let b = bias[p % channels]
      let row = y + p * plane
      for i in 0..<plane { row[i] += b }
    }
  }
}

/// Adds the optional `bias[c]` to every element of channel `c` of an `[N, C, plane]` buffer, then clamps at zero
/// when `relu` is set; one pass over memory, none when there is nothing to do.
func finishChannels(
  _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, relu: Bool, batch: Int, channels: Int, plane: Int
) {
  guard relu else {
    if let bias { addChannelBias(bias, to: y, batch: batch, channels: channels, plane: plane) }
    return
  }
  parallelFor(batch * channels, grain: Swift.max(1, Parallelism.elementwiseGrain / Swift.max(plane, 1))) { range in
    for p in range {
      let b = bias?[p % channels] ?? 0
      let row = y + p * plane
      for i in 0..<plane { row[i] = Swift.max(row[i] + b, 0) }
    }
  }
}

extension Tensor {
  /// Adds `bias[c]` to every element of channel `c` of an `[N, C, plane]` buffer.
  static func addChannelBias(_ bias: Tensor, to y: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int) {
    bias.withUnsafeBufferPointer(as: Float.self) { pb in
      guard let b = pb.baseAddress else { return }
      RecastTensor.addChannelBias(b, to: y, batch: batch, channels: channels, plane: plane)
    }
  }

  /// Depthwise 2-D convolution (`group == C == M`): a direct loop per plane, each tap a vectorisable
  /// multiply-add over the output columns whose input lies inside the image.
  static func depthwiseConv(
    _ x: Tensor, weight w: Tensor, bias: Tensor?, geometry g: SpatialGeometry, relu: Bool = false
  ) throws(TensorError) -> Tensor {
    let (n, c) = (x.shape[0], x.shape[1])
    let (inH, inW, outH, outW) = (g.input[0], g.input[1], g.output[0], g.output[1])
    let (kh, kw, sh, sw) = (g.kernel[0], g.kernel[1], g.strides[0], g.strides[1])
    let (dh, dw) = (g.dilations[0], g.dilations[1])
    let (pt, pl) = (g.padBegin[0], g.padBegin[1])
    var y = Tensor(uninitialized: .float32, shape: [n, c, outH, outW])
    let biasValues = bias?.floats() ?? [Float](repeating: 0, count: c)
    x.withUnsafeBufferPointer(as: Float.self) { px in
      w.withUnsafeBufferPointer(as: Float.self) { pw in
        biasValues.withUnsafeBufferPointer { pb in
          y.withUnsafeMutableBufferPointer(as: Float.self) { py in
            guard let xb = px.baseAddress, let wb = pw.baseAddress, let bb = pb.baseAddress, let yb = py.baseAddress
            else { return }
            parallelFor(n * c, grain: Swift.max(1, (1 << 14) / Swift.max(outH * outW * kh * kw, 1))) { range in
              for p in range {
                let ch = p % c
                let taps = wb + ch * kh * kw
                let source = xb + p * inH * inW
                for oh in 0..<outH {
                  let row = yb + (p * outH + oh) * outW
                  row.update(repeating: bb[ch], count: outW)
                  for ki in 0..<kh {
                    let ih = oh * sh - pt + ki * dh
                    if ih < 0 || ih >= inH { continue }
                    for kj in 0..<kw {
                      let tap = taps[ki * kw + kj]
                      let offset = kj * dw - pl
                      let owLow = Swift.min(outW, Swift.max(0, (-offset + sw - 1) / sw))
                      let owHigh = Swift.max(owLow, Swift.min(outW, (inW - offset + sw - 1) / sw))
                      let input = source + ih * inW + offset
                      if sw == 1 {
                        for ow in owLow..<owHigh { row[ow] += tap * input[ow] }
                      } else {
                        for ow in owLow..<owHigh { row[ow] += tap * input[ow * sw] }
                      }
                    }
                  }
                  if relu { for ow in 0..<outW { row[ow] = Swift.max(row[ow], 0) } }
                }
              }
            }
          }
        }
      }
    }
    return y
  }
}
