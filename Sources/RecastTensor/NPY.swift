public import Foundation

/// Reading and writing numpy `.npy` files (format versions 1, 2 and 3): little-endian, C order, of
/// float32, float64, float16, int64, int32, int16, int8, uint8, uint16, uint32, uint64 and bool.
public enum NPY {
  /// Why a file could not be read or a tensor not written.
  public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
  }

  /// Reads a tensor from a `.npy` file.
  public static func read(contentsOf url: URL) throws -> Tensor {
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw Error("\(url.path): cannot read file: \(error)") }
    do { return try decode([UInt8](data)) } catch let error as Error {
      throw Error("\(url.path): \(error.message)")
    }
  }

  /// Parses the bytes of a `.npy` file.
  public static func decode(_ bytes: [UInt8]) throws -> Tensor {
    let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw Error("not a .npy file (bad magic)") }
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    switch major {
    case 1:
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    case 2, 3:
      guard bytes.count >= 12 else { throw Error("truncated header") }
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      headerStart = 12
    default:
      throw Error("unsupported .npy format version \(major)")
    }
    guard bytes.count >= headerStart + headerLength else { throw Error("truncated header") }
    let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
    guard let descr = value(of: "descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")),
      let fortran = value(of: "fortran_order", in: header),
      let shapeText = value(of: "shape", in: header)
    else { throw Error("malformed header: \(header)") }
    if fortran == "True" { throw Error("Fortran-order arrays are not supported; save with np.ascontiguousarray") }
    let dtype = try dataType(descr: descr)
    let shape = try parseShape(shapeText)
    let count = shape.reduce(1, *)
    let byteCount = dtype.byteCount(for: count)
    let start = headerStart + headerLength
    guard bytes.count - start >= byteCount else {
      throw Error("expected \(byteCount) data bytes for \(descr) \(shape), found \(bytes.count - start)")
    }
    return Tensor(dtype: dtype, shape: shape, rawBytes: Array(bytes[start..<(start + byteCount)]))
  }

  /// Writes `tensor` as a version-1 `.npy` file.
  public static func write(_ tensor: Tensor, to url: URL) throws {
    try Data(encode(tensor)).write(to: url)
  }

  /// The bytes of a version-1 `.npy` file holding `tensor`.
  public static func encode(_ tensor: Tensor) throws -> [UInt8] {
    guard let descr = descr(for: tensor.dtype) else { throw Error("cannot store \(tensor.dtype) in .npy") }
    let shapeText: String
    switch tensor.shape.count {
    case 0: shapeText = "()"
    case 1: shapeText = "(\(tensor.shape[0]),)"
    default: shapeText = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
    }
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
    let length = header.utf8.count
    bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
    bytes += Array(header.utf8)
    bytes += tensor.rawBytes
    return bytes
  }

  static func descr(for dtype: DataType) -> String? {
    switch dtype {
    case .float32: "<f4"
    case .float64: "<f8"
    case .float16: "<f2"
    case .int64: "<i8"
    case .int32: "<i4"
    case .int16: "<i2"
    case .int8: "|i1"
    case .uint8: "|u1"
    case .uint16: "<u2"
    case .uint32: "<u4"
    case .uint64: "<u8"
    case .bool: "|b1"
    default: nil
    }
  }

  static func dataType(descr: String) throws -> DataType {
    guard let order = descr.first else { throw Error("empty dtype descr") }
    if order == ">" && !descr.hasSuffix("1") { throw Error("big-endian dtype '\(descr)' is not supported") }
    let code = String(descr.dropFirst(order == "<" || order == ">" || order == "|" || order == "=" ? 1 : 0))
    switch code {
    case "f4": return .float32
    case "f8": return .float64
    case "f2": return .float16
    case "i8": return .int64
    case "i4": return .int32
    case "i2": return .int16
    case "i1": return .int8
    case "u1": return .uint8
    case "u2": return .uint16
    case "u4": return .uint32
    case "u8": return .uint64
    case "b1": return .bool
    default: throw Error("unsupported dtype '\(descr)'")
    }
  }

  /// The text after `'key':` up to the next top-level comma or closing brace.
  static func value(of key: String, in header: String) -> String? {
    guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
    var rest = header[keyRange.upperBound...].drop { $0 == " " }
    guard rest.first == ":" else { return nil }
    rest = rest.dropFirst().drop { $0 == " " }
    var depth = 0
    var end = rest.startIndex
    while end < rest.endIndex {
      let c = rest[end]
      if c == "(" { depth += 1 }
      if c == ")" { depth -= 1 }
      if depth == 0 && (c == "," || c == "}") { break }
      end = rest.index(after: end)
      if depth == 0 && c == ")" { break }
    }
    return String(rest[rest.startIndex..<end]).trimmingCharacters(in: .whitespaces)
  }

  static func parseShape(_ text: String) throws -> [Int] {
    let inner = text.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
    if inner.isEmpty { return [] }
    var shape: [Int] = []
    for part in inner.split(separator: ",") {
      let trimmed = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
      if trimmed.isEmpty { continue }
      guard let dim = Int(trimmed), dim >= 0 else { throw Error("bad shape \(text)") }
      shape.append(dim)
    }
    return shape
  }
}
