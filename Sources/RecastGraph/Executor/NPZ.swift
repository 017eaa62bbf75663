public import Foundation
public import RecastTensor
import ZIPFoundation

/// NumPy `.npz` archives: a zip of `.npy` files, one per named array.
///
/// Writing produces an uncompressed ("stored") zip, as `np.savez` does. Reading accepts stored entries (including
/// numpy's zip64 extra fields) directly, and deflated ones (`np.savez_compressed`) through ZIPFoundation.
public enum NPZ {
  /// Reads every array of the archive at `url`, in archive order (`.npy` suffixes dropped from the names).
  public static func read(contentsOf url: URL) throws -> [(name: String, tensor: Tensor)] {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw NPY.Error("\(url.path): cannot read: \(error.localizedDescription)")
    }
    do {
      return try decode([UInt8](data))
    } catch let error as NPY.Error {
      throw NPY.Error("\(url.path): \(error.message)")
    }
  }

  /// Decodes an archive from its bytes.
  public static func decode(_ bytes: [UInt8]) throws -> [(name: String, tensor: Tensor)] {
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    func u64(_ at: Int) -> Int { u32(at) | u32(at + 4) << 32 }
    // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
    var end = -1
    var position = bytes.count - 22
    while position >= max(0, bytes.count - 65_557) {
      if u32(position) == 0x0605_4b50 {
        end = position
        break
      }
      position -= 1
    }
    guard end >= 0 else { throw NPY.Error("not a zip archive (no end of central directory)") }
    let entryCount = u16(end + 10)
    var cursor = u32(end + 16)
    var result: [(name: String, tensor: Tensor)] = []
    for _ in 0..<entryCount {
      guard cursor + 46 <= bytes.count, u32(cursor) == 0x0201_4b50 else {
        throw NPY.Error("corrupt zip central directory")
      }
      let method = u16(cursor + 10)
      var compressedSize = u32(cursor + 20)
      let nameLength = u16(cursor + 28), extraLength = u16(cursor + 30), commentLength = u16(cursor + 32)
      var localOffset = u32(cursor + 42)
      let name = String(decoding: bytes[(cursor + 46)..<(cursor + 46 + nameLength)], as: UTF8.self)
      // zip64: sizes and offset of 0xFFFFFFFF are in the extra field (id 1), in this order when present.
      var extra = cursor + 46 + nameLength
      let extraEnd = extra + extraLength
      while extra + 4 <= extraEnd {
        let id = u16(extra), size = u16(extra + 2)
        if id == 1 {
          var field = extra + 4
          if u32(cursor + 24) == 0xFFFF_FFFF { field += 8 }
          if compressedSize == 0xFFFF_FFFF {
            compressedSize = u64(field)
            field += 8
          }
          if localOffset == 0xFFFF_FFFF { localOffset = u64(field) }
        }
        extra += 4 + size
      }
      guard method == 0 else {
        guard method == 8 else {
          throw NPY.Error("entry '\(name)' uses zip compression method \(method); .npz entries are stored or deflated")
        }
        let tensor = try NPY.decode(inflate(name, from: bytes))
        result.append((name.hasSuffix(".npy") ? String(name.dropLast(4)) : name, tensor))
        cursor += 46 + nameLength + extraLength + commentLength
        continue
      }
      guard localOffset + 30 <= bytes.count, u32(localOffset) == 0x0403_4b50 else {
        throw NPY.Error("corrupt zip local header for '\(name)'")
      }
      let start = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
      guard start + compressedSize <= bytes.count else { throw NPY.Error("entry '\(name)' is truncated") }
      let tensor = try NPY.decode(Array(bytes[start..<(start + compressedSize)]))
      result.append((name.hasSuffix(".npy") ? String(name.dropLast(4)) : name, tensor))
      cursor += 46 + nameLength + extraLength + commentLength
    }
    return result
  }

  /// The uncompressed bytes of the deflated entry `name` (CRC checked).
  private static func inflate(_ name: String, from bytes: [UInt8]) throws -> [UInt8] {
    do {
      let archive = try Archive(data: Data(bytes), accessMode: .read)
      guard let entry = archive[name] else { throw NPY.Error("entry '\(name)' is missing") }
      var out: [UInt8] = []
      out.reserveCapacity(Int(entry.uncompressedSize))
      _ = try archive.extract(entry) { chunk in out += chunk }
      return out
    } catch let error as NPY.Error {
      throw error
    } catch {
      throw NPY.Error("entry '\(name)' cannot be decompressed: \(error)")
    }
  }

  /// The archive bytes for `arrays` (each stored as `NAME.npy`, uncompressed).
  public static func encode(_ arrays: [(name: String, tensor: Tensor)]) throws -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    func put16(_ v: Int, _ buffer: inout [UInt8]) { buffer += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func put32(_ v: Int, _ buffer: inout [UInt8]) {
      put16(v & 0xFFFF, &buffer)
      put16(v >> 16 & 0xFFFF, &buffer)
    }
    for (name, tensor) in arrays {
      let payload = try NPY.encode(tensor)
      let fileName = Array((name + ".npy").utf8)
      let offset = out.count
      guard payload.count < 0xFFFF_FFFF, offset < 0xFFFF_FFFF else {
        throw NPY.Error("array '\(name)' is too large for a zip without zip64")
      }
      let crc = CRC32.checksum(payload)
      // Local header: version 2.0, no flags, stored, DOS time 1980-01-01 00:00 (reproducible).
      put32(0x0403_4b50, &out)
      for v in [20, 0, 0, 0, 0x21] { put16(v, &out) }
      put32(Int(crc), &out)
      put32(payload.count, &out)
      put32(payload.count, &out)
      put16(fileName.count, &out)
      put16(0, &out)
      out += fileName
      out += payload

      put32(0x0201_4b50, &central)
      for v in [20, 20, 0, 0, 0, 0x21] { put16(v, &central) }
      put32(Int(crc), &central)
      put32(payload.count, &central)
      put32(payload.count, &central)
      for v in [fileName.count, 0, 0, 0, 0] { put16(v, &central) }
      put32(0, &central)
      put32(offset, &central)
      central += fileName
    }
    let directoryOffset = out.count
    out += central
    put32(0x0605_4b50, &out)
    for v in [0, 0, arrays.count, arrays.count] { put16(v, &out) }
    put32(central.count, &out)
    put32(directoryOffset, &out)
    put16(0, &out)
    return out
  }

  /// Writes `arrays` to `url` through a temporary file in the same folder and a rename, so an interrupted write
  /// never leaves a half-written archive.
  public static func write(_ arrays: [(name: String, tensor: Tensor)], to url: URL) throws {
    let bytes = try encode(arrays)
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
      try Data(bytes).write(to: temporary)
      guard rename(temporary.path, url.path) == 0 else {
        throw NPY.Error("\(url.path): cannot rename the temporary file: \(String(cString: strerror(errno)))")
      }
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    }
  }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip uses.
enum CRC32 {
  static let table: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func checksum(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
  }
}
