import Foundation
import RecastTensor
import Testing

@Suite struct NPYTests {
  static func header(_ dict: String, version: UInt8 = 1) -> [UInt8] {
    var text = dict
    let prefix = version == 1 ? 10 : 12
    text += String(repeating: " ", count: (64 - (prefix + text.utf8.count + 1) % 64) % 64) + "\n"
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
    let n = text.utf8.count
    bytes += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
    return bytes + Array(text.utf8)
  }

  @Test func scalarShape() throws {
    let t = try NPY.decode(Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (), }") + [0, 0, 0x40, 0x40])
    #expect(t.shape == [])
    #expect(t.floats() == [3])
  }

  @Test func versionTwoHeader() throws {
    let t = try NPY.decode(
      Self.header("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", version: 2)
        + [5, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    #expect(t.dtype == .int64)
    #expect(t.integers() == [5, -1])
  }

  @Test(arguments: [DataType.float32, .float64, .float16, .int64, .int32, .int16, .int8, .uint8, .bool])
  func roundTrips(_ dtype: DataType) throws {
    let values: [Double] = [0, 1, 0, 1, 1, 0]
    let t = try Tensor(shape: [2, 3], scalars: values, dtype: .float64).cast(to: dtype)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("recast-npy-\(dtype).npy")
    try NPY.write(t, to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(try NPY.read(contentsOf: url) == t)
    // The data starts on a 64-byte boundary, as numpy writes it.
    let bytes = try NPY.encode(t)
    #expect((bytes.count - t.rawBytes.count) % 64 == 0)
  }

  @Test func rejectsWhatItCannotRead() {
    let fortran =
      Self.header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }") + [UInt8](repeating: 0, count: 16)
    #expect(throws: NPY.Error.self) { try NPY.decode(fortran) }
    let bigEndian = Self.header("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }") + [0, 0, 0, 0]
    #expect { try NPY.decode(bigEndian) } throws: { ($0 as? NPY.Error)?.message.contains("big-endian") == true }
    let complex =
      Self.header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }") + [UInt8](repeating: 0, count: 8)
    #expect { try NPY.decode(complex) } throws: { ($0 as? NPY.Error)?.message.contains("unsupported dtype") == true }
    let truncated = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }") + [0, 0]
    #expect(throws: NPY.Error.self) { try NPY.decode(truncated) }
    #expect(throws: NPY.Error.self) { try NPY.decode([1, 2, 3]) }
    #expect(throws: NPY.Error.self) { try NPY.encode(Tensor(zeros: .int4, shape: [2])) }
  }

  /// numpy's own files (the reference cases) parse, for every dtype they use.
  @Test func readsNumpyWrittenFiles() throws {
    let dtypes = Set(try Fixtures.cases.prefix(400).flatMap { c in try c.outputs.map { try Fixtures.load($0).dtype } })
    #expect(dtypes.isSuperset(of: [.float32, .int64, .bool]))
  }
}
