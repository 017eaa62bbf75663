import COpenBLAS

extension Tensor {
  /// ONNX `Gemm`: `Y = alpha · A' · B' + beta · C`, where `A' = transA ? Aᵀ : A` (`[M, K]`),
  /// `B' = transB ? Bᵀ : B` (`[K, N]`) and `C` broadcasts unidirectionally to `[M, N]`. float32.
  public static func gemm(
    _ a: Tensor, _ b: Tensor, _ c: Tensor? = nil, alpha: Float = 1, beta: Float = 1,
    transA: Bool = false, transB: Bool = false
  ) throws(TensorError) -> Tensor {
    guard a.dtype == .float32, b.dtype == .float32, c?.dtype ?? .float32 == .float32 else {
      throw TensorError("Gemm: operands must be float32")
    }
    guard a.rank == 2, b.rank == 2 else { throw TensorError("Gemm: A \(a.shape) and B \(b.shape) must be 2-D") }
    let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    guard k == kb else { throw TensorError("Gemm: inner dimensions differ (A \(a.shape), B \(b.shape))") }
    var out = Tensor(uninitialized: .float32, shape: [m, n])
    var effectiveBeta: Float = 0
    if let c, beta != 0 {
      out = try c.expanded(to: [m, n], op: "Gemm C")
      effectiveBeta = beta
    }
    a.withUnsafeBufferPointer(as: Float.self) { pa in
      b.withUnsafeBufferPointer(as: Float.self) { pb in
        out.withUnsafeMutableBufferPointer(as: Float.self) { po in
          sgemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress, lda: a.shape[1],
            b: pb.baseAddress, ldb: b.shape[1], beta: effectiveBeta, c: po.baseAddress, ldc: n)
        }
      }
    }
    return out
  }

  /// ONNX `MatMul` (numpy `matmul`): 1-D operands are promoted (a leading or trailing 1 added, then
  /// removed), batch dimensions broadcast. float32.
  public static func matmul(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    guard a.dtype == .float32, b.dtype == .float32 else { throw TensorError("MatMul: operands must be float32") }
    guard a.rank >= 1, b.rank >= 1 else { throw TensorError("MatMul: operands must have rank ≥ 1") }
    let aShape = a.rank == 1 ? [1, a.shape[0]] : a.shape
    let bShape = b.rank == 1 ? [b.shape[0], 1] : b.shape
    let m = aShape[aShape.count - 2]
    let k = aShape[aShape.count - 1]
    let n = bShape[bShape.count - 1]
    guard bShape[bShape.count - 2] == k else {
      throw TensorError("MatMul: shapes \(a.shape) and \(b.shape) do not align")
    }
    let aBatch = Array(aShape.dropLast(2))
    let bBatch = Array(bShape.dropLast(2))
    let batch = try Shape.broadcast(aBatch, bBatch)
    var outShape = batch + [m, n]
    let batchCount = batch.reduce(1, *)
    var out = Tensor(uninitialized: .float32, shape: outShape)
    a.withUnsafeBufferPointer(as: Float.self) { pa in
      b.withUnsafeBufferPointer(as: Float.self) { pb in
        out.withUnsafeMutableBufferPointer(as: Float.self) { po in
          guard m > 0, n > 0 else { return }
          if bBatch.reduce(1, *) == 1 && aBatch == batch {
            // One B for every batch: fold the batch into M, a single large GEMM.
            sgemm(
              transA: false, transB: false, m: batchCount * m, n: n, k: k, alpha: 1, a: pa.baseAddress, lda: k,
              b: pb.baseAddress, ldb: n, beta: 0, c: po.baseAddress, ldc: n)
            return
          }
          let aStrides = Shape.broadcastStrides(aBatch, to: batch)
          let bStrides = Shape.broadcastStrides(bBatch, to: batch)
          for index in 0..<batchCount {
            var remaining = index
            var offA = 0
            var offB = 0
            for axis in stride(from: batch.count - 1, through: 0, by: -1) {
              let coordinate = remaining % batch[axis]
              remaining /= batch[axis]
              offA += coordinate * aStrides[axis]
              offB += coordinate * bStrides[axis]
            }
            sgemm(
              transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress.map { $0 + offA * m * k },
              lda: k, b: pb.baseAddress.map { $0 + offB * k * n }, ldb: n, beta: 0,
              c: po.baseAddress.map { $0 + index * m * n }, ldc: n)
          }
        }
      }
    }
    if a.rank == 1 { outShape.remove(at: outShape.count - 2) }
    if b.rank == 1 { outShape.removeLast() }
    return out.reshaped(outShape)
  }
}

/// Row-major `C = alpha · op(A) · op(B) + beta · C` through OpenBLAS. Empty products (k = 0) scale C.
/// `threaded: false` keeps the product on the calling thread (for callers that split work themselves).
///
/// OpenBLAS runs single-threaded (its idle threads would otherwise spin and slow the Dispatch loops that
/// follow); a large product is split into row or column blocks computed by `parallelFor`. Every element is
/// one dot product over the whole K in the same order whichever block holds it, so results do not depend
/// on the split.
func sgemm(
  transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>?, lda: Int,
  b: UnsafePointer<Float>?, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>?, ldc: Int, threaded: Bool = true
) {
  guard m > 0, n > 0, let c else { return }
  if k == 0 {
    for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
    return
  }
  guard let a, let b else { return }
  BLAS.configure()
  let parts = threaded ? Swift.min(Parallelism.activeWorkers, m * n * k / BLAS.minimumWorkPerThread) : 1
  if parts <= 1 || Swift.max(m, n) < 2 * BLAS.blockAlignment {
    sgemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    return
  }
  // Split the larger output dimension into `parts` blocks, aligned to the micro-kernel width.
  let splitColumns = n >= m
  let extent = splitColumns ? n : m
  let align = BLAS.blockAlignment
  let block = ((extent + parts - 1) / parts + align - 1) / align * align
  let blocks = (extent + block - 1) / block
  parallelFor(blocks, grain: 1) { range in
    for index in range {
      let start = index * block
      let size = Swift.min(block, extent - start)
      if splitColumns {
        let bBlock = transB ? b + start * ldb : b + start
        sgemmSerial(transA, transB, m, size, k, alpha, a, lda, bBlock, ldb, beta, c + start, ldc)
      } else {
        let aBlock = transA ? a + start : a + start * lda
        sgemmSerial(transA, transB, size, n, k, alpha, aBlock, lda, b, ldb, beta, c + start * ldc, ldc)
      }
    }
  }
}

/// One `cblas_sgemm` call on the calling thread.
@inline(__always)
private func sgemmSerial(
  _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float, _ a: UnsafePointer<Float>,
  _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
  cblas_sgemm(
    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n),
    Int32(k), alpha, a, Int32(Swift.max(lda, 1)), b, Int32(Swift.max(ldb, 1)), beta, c, Int32(Swift.max(ldc, 1)))
}

/// OpenBLAS threading policy.
enum BLAS {
  /// Multiply-adds below which a product runs on one thread.
  static let minimumWorkPerThread = 1 << 18
  /// Block sizes are multiples of this many rows or columns.
  static let blockAlignment = 16
  private static let configured: Bool = {
    openblas_set_num_threads(1)
    return true
  }()

  /// Makes OpenBLAS single-threaded, once per process.
  static func configure() { _ = configured }
}
