extension Tensor {
  /// `R[g] = Σₙ other[n, g] [og, P] · im2col(unfolded[n, g]) [ug·K, P]ᵀ` for each group `g`, shaped
  /// `[O, U/group, *kernel]`: the weight gradient of a convolution that unfolds `unfolded` with `geometry`
  /// (whose output grid `P` is `other`'s spatial grid). The sum over images runs as `WeightGradientPlan` says.
  static func unfoldedProduct(
    unfolded u: Tensor, other o: Tensor, geometry g: SpatialGeometry, group: Int
  ) throws(TensorError) -> Tensor {
    let (n, uc, oc) = (u.shape[0], u.shape[1], o.shape[1])
    guard group > 0, uc % group == 0, oc % group == 0, Array(o.shape[2...]) == g.output else {
      throw TensorError("convolution weight gradient: \(u.shape) and \(o.shape) with group \(group) are inconsistent")
    }
    var result = Tensor(zeros: .float32, shape: [oc, uc / group] + g.kernel)
    let plan = WeightGradientPlan(batch: n, channels: uc, outputs: oc, group: group, geometry: g)
    guard n > 0, plan.rows > 0, plan.planeO > 0 else { return result }
    u.withUnsafeBufferPointer(as: Float.self) { pu in
      o.withUnsafeBufferPointer(as: Float.self) { po in
        result.withUnsafeMutableBufferPointer(as: Float.self) { pr in
          guard let ub = pu.baseAddress, let ob = po.baseAddress, let rb = pr.baseAddress else { return }
          plan.run(unfolded: ub, other: ob, into: rb)
        }
      }
    }
    return result
  }
}

/// How a convolution weight gradient `R[g] = Σₙ O[n, g] · im2col(U[n, g])ᵀ` is summed over the batch.
///
/// The batch is cut into chunks of consecutive images from the shapes alone, never from the core count, so any
/// number of threads adds the same products in the same order and gives the same bytes. Each chunk unfolds its
/// images side by side (`[ug·K, images·P]`), gathers their `O` planes the same way and multiplies the two in one GEMM
/// whose depth is `images·P`. Small weights: chunks sized like the forward's (`ConvPlan.chunkBudget`) run on separate
/// threads, each into a partial result of its own, and the partials are added in chunk order. Weights too large for
/// a partial per chunk: chunks of up to `ConvPlan.columnBudget` run one after another, each GEMM split over output
/// blocks, accumulating into the result.
struct WeightGradientPlan {
  /// Floats all partial results together may take.
  static let partialBudget = 1 << 21

  let batch: Int
  let group: Int
  /// Output (`O`) channels per group, and rows of one group's unfolded matrix (`ug · kh · kw`).
  let og: Int
  let rows: Int
  let planeO: Int
  /// The forward convolution that unfolds `U`; its im2col is reused.
  let unfolding: ConvPlan
  let chunks: Int
  /// Whether chunks run in parallel into partial results (else one after another into the result).
  let partials: Bool

  init(
    batch: Int, channels: Int, outputs: Int, group: Int, geometry g: SpatialGeometry,
    partialBudget: Int = WeightGradientPlan.partialBudget
  ) {
    self.batch = batch
    self.group = group
    og = outputs / group
    rows = channels / group * g.kernel[0] * g.kernel[1]
    planeO = g.output[0] * g.output[1]
    unfolding = ConvPlan(batch: batch, channels: channels, outputs: outputs, group: group, geometry: g)
    let imageColumns = Swift.max(rows * planeO, 1)
    let fitting = Swift.min(batch, Swift.max(1, ConvPlan.chunkBudget / imageColumns))
    var count = (batch + fitting - 1) / Swift.max(fitting, 1)
    let work = batch * planeO * rows * outputs
    if count == 1 && batch >= 2 && work >= 2 * ConvPlan.minimumChunkWork { count = 2 }
    if count > 1 && count % 2 == 1 { count = Swift.min(count + 1, batch) }
    if count > 1 && count * outputs * rows <= partialBudget {
      chunks = count
      partials = true
    } else {
      let images = Swift.min(batch, Swift.max(1, ConvPlan.columnBudget / imageColumns))
      chunks = Swift.max(1, (batch + images - 1) / Swift.max(images, 1))
      partials = false
    }
  }

  /// Images `[first, end)` of chunk `index`: consecutive, sizes differing by at most one.
  func chunk(_ index: Int) -> Range<Int> { (index * batch / chunks)..<((index + 1) * batch / chunks) }

  /// Writes `R` (`[O, ug·K]`, every element) from `U` (`[N, U, *input]`) and `O` (`[N, O, *P]`).
  func run(unfolded u: UnsafePointer<Float>, other o: UnsafePointer<Float>, into r: UnsafeMutablePointer<Float>) {
    let size = group * og * rows
    let widest = (batch + chunks - 1) / chunks * planeO
    if !partials {
      let column = UnsafeMutablePointer<Float>.allocate(capacity: rows * widest)
      defer { column.deallocate() }
      let gathered = UnsafeMutablePointer<Float>.allocate(capacity: og * widest)
      defer { gathered.deallocate() }
      r.update(repeating: 0, count: size)
      for index in 0..<chunks {
        let images = chunk(index)
        for gi in 0..<group {
          unfolding.unfold(
            u, first: images.lowerBound, images: images.count, group: gi, into: column,
            rowStride: images.count * planeO)
          multiply(o, images: images, group: gi, column: column, gathered: gathered, into: r + gi * og * rows)
        }
      }
      return
    }
    let partial = UnsafeMutablePointer<Float>.allocate(capacity: chunks * size)
    defer { partial.deallocate() }
    let small = unfolding.geometry.output[1] <= SmallImageUnfold.maxWidth
    let (ph, pw) = SmallImageUnfold.paddedSize(unfolding.geometry)
    parallelFor(chunks, grain: 1) { range in
      let column = UnsafeMutablePointer<Float>.allocate(capacity: rows * widest)
      defer { column.deallocate() }
      let gathered = UnsafeMutablePointer<Float>.allocate(capacity: og * widest)
      defer { gathered.deallocate() }
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: small ? widest / planeO * ph * pw : 1)
      defer { scratch.deallocate() }
      for index in range {
        let images = chunk(index)
        for gi in 0..<group {
          unfolding.unfoldImages(
            u, images: images, group: gi, scratch: small ? scratch : nil, into: column,
            rowStride: images.count * planeO)
          multiply(
            o, images: images, group: gi, column: column, gathered: gathered,
            into: partial + index * size + gi * og * rows, accumulate: false, threaded: false)
        }
      }
    }
    // Chunk 0's partial, then each later one added in chunk order: the same sum for every element on any split.
    parallelFor(size, grain: Swift.max(1, Parallelism.elementwiseGrain / chunks)) { range in
      let count = range.count
      (r + range.lowerBound).update(from: partial + range.lowerBound, count: count)
      for index in 1..<chunks {
        let (target, source) = (r + range.lowerBound, partial + index * size + range.lowerBound)
        for i in 0..<count { target[i] += source[i] }
      }
    }
  }

  /// `R_g [og, rows] (+)= O_g [og, images·P] · column [rows, images·P]ᵀ` for group `gi` of `images`, gathering
  /// the images' `O` planes side by side first when there is more than one.
  private func multiply(
    _ o: UnsafePointer<Float>, images: Range<Int>, group gi: Int, column: UnsafePointer<Float>,
    gathered: UnsafeMutablePointer<Float>, into r: UnsafeMutablePointer<Float>, accumulate: Bool = true,
    threaded: Bool = true
  ) {
    let (og, planeO, oc) = (og, planeO, og * group)
    let width = images.count * planeO
    var a = o + (images.lowerBound * oc + gi * og) * planeO
    if images.count > 1 {
      for (i, image) in images.enumerated() {
        let source = o + (image * oc + gi * og) * planeO
        for row in 0..<og {
          (gathered + row * width + i * planeO).update(from: source + row * planeO, count: planeO)
        }
      }
      a = UnsafePointer(gathered)
    }
    sgemm(
      transA: false, transB: true, m: og, n: rows, k: width, alpha: 1, a: a, lda: width, b: column, ldb: width,
      beta: accumulate ? 1 : 0, c: r, ldc: rows, threaded: threaded)
  }
}
