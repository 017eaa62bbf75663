import Glibc

/// An N-dimensional array with value semantics: a data type, a shape, and contiguous row-major storage
/// shared copy-on-write. Sub-byte types (int4, uint4, int2, uint2, float4e2m1) are stored packed exactly
/// as ONNX stores them, so `rawBytes` round-trips `TensorProto.raw_data`.
public struct Tensor: Sendable {
  public private(set) var dtype: DataType
  public private(set) var shape: [Int]
  @usableFromInline var storage: TensorStorage

  /// Element count (1 for a scalar, whose shape is `[]`).
  public var count: Int { shape.reduce(1, *) }
  public var rank: Int { shape.count }

  /// A tensor of `shape` filled with zero bytes.
  public init(zeros dtype: DataType, shape: [Int]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    self.dtype = dtype
    self.shape = shape
    self.storage = TensorStorage(byteCount: dtype.byteCount(for: shape.reduce(1, *)))
  }

  /// A tensor of `shape` whose bytes are not initialised: for kernel outputs that overwrite every element.
  /// Reading an element before writing it gives an unspecified value.
  public init(uninitialized dtype: DataType, shape: [Int]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    self.dtype = dtype
    self.shape = shape
    self.storage = TensorStorage(byteCount: dtype.byteCount(for: shape.reduce(1, *)), zeroed: false)
  }

  /// A tensor over raw little-endian bytes in ONNX layout. `bytes.count` must equal `dtype.byteCount(for:)`.
  public init(dtype: DataType, shape: [Int], rawBytes bytes: [UInt8]) {
    self.init(uninitialized: dtype, shape: shape)
    precondition(bytes.count == storage.byteCount, "\(bytes.count) bytes for \(dtype) \(shape)")
    bytes.withUnsafeBytes { source in
      if let base = source.baseAddress { storage.pointer.copyMemory(from: base, byteCount: source.count) }
    }
  }

  /// A float32 tensor holding `values` in row-major order.
  public init(shape: [Int], floats values: [Float]) {
    self.init(shape: shape, scalars: values, dtype: .float32)
  }

  /// A tensor of a fixed-width scalar type holding `values` in row-major order.
  public init<T: BitwiseCopyable>(shape: [Int], scalars values: [T], dtype: DataType) {
    precondition(MemoryLayout<T>.stride * 8 == dtype.bitWidth, "\(T.self) does not store \(dtype)")
    self.init(uninitialized: dtype, shape: shape)
    precondition(values.count == count, "\(values.count) values for shape \(shape)")
    values.withUnsafeBytes { source in
      if let base = source.baseAddress { storage.pointer.copyMemory(from: base, byteCount: source.count) }
    }
  }

  /// The storage bytes, in ONNX raw_data layout.
  public var rawBytes: [UInt8] {
    [UInt8](UnsafeRawBufferPointer(start: storage.pointer, count: storage.byteCount))
  }

  /// Elements as `T`, which must match the dtype's width (e.g. `Float` for float32, `Int64` for int64).
  public func scalars<T: BitwiseCopyable>(as type: T.Type = T.self) -> [T] {
    withUnsafeBufferPointer(as: T.self) { Array($0) }
  }

  /// Read access to the elements as `T` (the dtype's width must match `T`).
  @inlinable
  public func withUnsafeBufferPointer<T: BitwiseCopyable, R>(
    as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
  ) rethrows -> R {
    precondition(MemoryLayout<T>.stride * 8 == dtype.bitWidth, "\(T.self) does not view \(dtype)")
    let typed = storage.pointer.bindMemory(to: T.self, capacity: count)
    return try body(UnsafeBufferPointer(start: typed, count: count))
  }

  /// Write access to the elements as `T`; copies the storage first if it is shared.
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<T: BitwiseCopyable, R>(
    as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
  ) rethrows -> R {
    precondition(MemoryLayout<T>.stride * 8 == dtype.bitWidth, "\(T.self) does not view \(dtype)")
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    let typed = storage.pointer.bindMemory(to: T.self, capacity: count)
    return try body(UnsafeMutableBufferPointer(start: typed, count: count))
  }

  /// Write access to the storage bytes in ONNX layout (packed for sub-byte types); copies first if shared.
  @inlinable
  public mutating func withUnsafeMutableRawBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    return try body(UnsafeMutableRawBufferPointer(start: storage.pointer, count: storage.byteCount))
  }

  /// The same elements under another shape with the same element count (no copy).
  public func reshaped(_ newShape: [Int]) -> Tensor {
    precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
    var t = self
    t.shape = newShape
    return t
  }
}

extension Tensor: Equatable {
  /// Same dtype, shape and bytes.
  public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
    lhs.dtype == rhs.dtype && lhs.shape == rhs.shape
      && (lhs.storage === rhs.storage
        || memcmp(lhs.storage.pointer, rhs.storage.pointer, lhs.storage.byteCount) == 0)
  }
}

/// Contiguous, 64-byte aligned bytes behind a `Tensor`.
///
/// `@unchecked Sendable`: the buffer is only written through `Tensor`'s mutating API, which copies first
/// unless the reference is unique, so a storage shared between threads is never written.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
  @usableFromInline let pointer: UnsafeMutableRawPointer
  @usableFromInline let byteCount: Int

  /// `zeroed: false` leaves the bytes for the caller to write.
  init(byteCount: Int, zeroed: Bool = true) {
    self.byteCount = byteCount
    pointer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: 64)
    if zeroed { pointer.initializeMemory(as: UInt8.self, repeating: 0, count: Swift.max(byteCount, 1)) }
  }

  @usableFromInline func copy() -> TensorStorage {
    let other = TensorStorage(byteCount: byteCount, zeroed: false)
    other.pointer.copyMemory(from: pointer, byteCount: byteCount)
    return other
  }

  deinit { pointer.deallocate() }
}
