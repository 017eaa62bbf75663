import Foundation
import RecastTensor
import SwiftProtobuf

/// Decoding of `TensorProto` into `Tensor`, covering every storage form ONNX allows.
extension Onnx_TensorProto {
  /// The tensor's data, reading external data relative to `baseDirectory` when the tensor keeps it in a side file.
  func decoded(baseDirectory: URL?) throws(GraphError) -> Tensor {
    let label = name.isEmpty ? "unnamed tensor" : "tensor '\(name)'"
    guard let dtype = RecastTensor.DataType(rawValue: Int(dataType)) else {
      throw GraphError(.unsupported, "\(label) has data type \(dataType), which Recast does not support")
    }
    guard dtype != .string else {
      throw GraphError(.unsupported, "\(label) holds strings; string tensors are not supported")
    }
    if hasSegment { throw GraphError(.unsupported, "\(label) is a segment of a larger tensor; not supported") }
    guard dims.allSatisfy({ $0 >= 0 }) else {
      throw GraphError(.invalidTensor, "\(label) has a negative dimension in \(dims)")
    }
    let shape = dims.map { Int($0) }
    guard let count = ShapeAlgebra.checkedProduct(shape), count <= 1 << 40 else {
      throw GraphError(.invalidTensor, "\(label) has an implausible shape \(dims)")
    }
    let byteCount = dtype.byteCount(for: count)

    let bytes: [UInt8]
    if dataLocation == .external {
      bytes = try externalBytes(label: label, baseDirectory: baseDirectory, expected: byteCount)
    } else if hasRawData {
      bytes = [UInt8](rawData)
    } else {
      bytes = try typedBytes(dtype: dtype, count: count, label: label)
    }
    guard bytes.count == byteCount else {
      throw GraphError(
        .invalidTensor, "\(label) (\(dtype) \(shape)) needs \(byteCount) bytes of data but has \(bytes.count)")
    }
    return Tensor(dtype: dtype, shape: shape, rawBytes: bytes)
  }

  /// Little-endian bytes from the type-specific repeated fields.
  private func typedBytes(dtype: RecastTensor.DataType, count: Int, label: String) throws(GraphError) -> [UInt8] {
    func wrongField(_ field: String) -> GraphError {
      GraphError(.invalidTensor, "\(label) is \(dtype) but stores its data in \(field)")
    }
    if !stringData.isEmpty { throw wrongField("string_data") }
    switch dtype {
    case .float32:
      guard int32Data.isEmpty, int64Data.isEmpty, doubleData.isEmpty, uint64Data.isEmpty else {
        throw wrongField("a field other than float_data")
      }
      return Self.littleEndianBytes(floatData.map(\.bitPattern))
    case .float64:
      guard floatData.isEmpty, int32Data.isEmpty, int64Data.isEmpty, uint64Data.isEmpty else {
        throw wrongField("a field other than double_data")
      }
      return Self.littleEndianBytes(doubleData.map(\.bitPattern))
    case .int64:
      guard floatData.isEmpty, int32Data.isEmpty, doubleData.isEmpty, uint64Data.isEmpty else {
        throw wrongField("a field other than int64_data")
      }
      return Self.littleEndianBytes(int64Data)
    case .uint64:
      guard floatData.isEmpty, int32Data.isEmpty, doubleData.isEmpty, int64Data.isEmpty else {
        throw wrongField("a field other than uint64_data")
      }
      return Self.littleEndianBytes(uint64Data)
    case .uint32:
      guard floatData.isEmpty, int32Data.isEmpty, doubleData.isEmpty, int64Data.isEmpty else {
        throw wrongField("a field other than uint64_data")
      }
      return Self.littleEndianBytes(uint64Data.map { UInt32(truncatingIfNeeded: $0) })
    case .int32:
      guard floatData.isEmpty, int64Data.isEmpty, doubleData.isEmpty, uint64Data.isEmpty else {
        throw wrongField("a field other than int32_data")
      }
      return Self.littleEndianBytes(int32Data)
    default:
      guard floatData.isEmpty, int64Data.isEmpty, doubleData.isEmpty, uint64Data.isEmpty else {
        throw wrongField("a field other than int32_data")
      }
      switch dtype.bitWidth {
      case 16: return Self.littleEndianBytes(int32Data.map { UInt16(truncatingIfNeeded: $0) })
      // 8-bit types hold one element per entry; 4- and 2-bit types one packed byte per entry.
      default: return int32Data.map { UInt8(truncatingIfNeeded: $0) }
      }
    }
  }

  /// Bytes from the side file named by `external_data` (`location`, optional `offset` and `length`).
  private func externalBytes(label: String, baseDirectory: URL?, expected: Int) throws(GraphError) -> [UInt8] {
    var entries: [String: String] = [:]
    for entry in externalData { entries[entry.key] = entry.value }
    guard let location = entries["location"], !location.isEmpty else {
      throw GraphError(.externalData, "\(label) uses external data but names no 'location'")
    }
    guard let baseDirectory else {
      throw GraphError(
        .externalData,
        "\(label) keeps its data in external file '\(location)', but the model was read from memory; "
          + "load it with Model(contentsOf:) so the side file can be found")
    }
    guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
      throw GraphError(.externalData, "\(label) names external file '\(location)' outside the model's folder")
    }
    let file = baseDirectory.appendingPathComponent(location)
    guard let offset = Int(entries["offset"] ?? "0"), offset >= 0 else {
      throw GraphError(.externalData, "\(label) has an invalid external data offset '\(entries["offset"] ?? "")'")
    }
    // Without a `length`, the tensor's own size says how much to read.
    let length = entries["length"].flatMap { Int($0) } ?? expected
    guard length == expected else {
      throw GraphError(
        .externalData, "\(label) has external data length \(entries["length"] ?? "") but its shape needs \(expected) bytes")
    }
    guard let handle = try? FileHandle(forReadingFrom: file) else {
      throw GraphError(
        .externalData, "\(label): external data file '\(location)' is missing (looked in \(baseDirectory.path))",
        file: file.path)
    }
    defer { try? handle.close() }
    do {
      try handle.seek(toOffset: UInt64(offset))
      let data = try handle.read(upToCount: length) ?? Data()
      if data.count < length {
        throw GraphError(
          .externalData,
          "\(label): external data file '\(location)' ends after \(data.count) of \(length) bytes at offset \(offset)",
          file: file.path)
      }
      return [UInt8](data)
    } catch let error as GraphError {
      throw error
    } catch {
      throw GraphError(
        .externalData, "\(label): cannot read external data file '\(location)': \(error)", file: file.path)
    }
  }

  /// The little-endian bytes of fixed-width integers.
  static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(values.count * MemoryLayout<T>.size)
    for value in values {
      withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    return bytes
  }
}

extension Onnx_TensorProto {
  /// A tensor stored inline as `raw_data`.
  init(_ tensor: Tensor, name: String) {
    self.init()
    self.name = name
    dataType = Int32(tensor.dtype.rawValue)
    dims = tensor.shape.map { Int64($0) }
    rawData = Data(tensor.rawBytes)
  }
}
