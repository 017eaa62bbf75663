import Foundation
import RecastTensor
import Testing

@Suite struct NPYTests {
  @Test func scalarShape() throws {
    let bytes = Array("\u{93}NUMPY".utf8)
    _ = bytes
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }"
    var file: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count), 0]
    file += Array(header.utf8) + [0, 0, 0x40, 0x40]
    let t = try NPY.decode(file)
    #expect(t.shape == [])
    #expect(t.floats() == [3])
  }
}
