import RecastDiagnostics

/// Converts libyaml's marks (0-based line and column, index counted in Unicode scalars) into
/// `SourceMark`s with 1-based line and column and a byte offset into the original input.
struct SourceMap {
  /// Scalars between two checkpoints; a lookup walks at most this many scalars.
  private static let stride = 64

  let file: String
  /// Bytes that precede what libyaml sees (a UTF-8 byte order mark), added to every offset.
  let baseOffset: Int
  /// True when every byte is ASCII, so scalar index and byte offset coincide.
  private let isASCII: Bool
  /// `checkpoints[k]` is the byte offset of scalar `k * stride`.
  private let checkpoints: [Int]
  private let bytes: [UInt8]

  /// Builds the map for `bytes` (valid UTF-8, without a byte order mark) that start at `baseOffset` in the file.
  init(file: String, bytes: [UInt8], baseOffset: Int) {
    self.file = file
    self.baseOffset = baseOffset
    self.bytes = bytes
    var ascii = true
    for byte in bytes where byte >= 0x80 {
      ascii = false
      break
    }
    isASCII = ascii
    var checkpoints: [Int] = []
    if !ascii {
      checkpoints.reserveCapacity(bytes.count / Self.stride + 1)
      var scalarIndex = 0
      for (offset, byte) in bytes.enumerated() where byte & 0xC0 != 0x80 {
        if scalarIndex % Self.stride == 0 { checkpoints.append(offset) }
        scalarIndex += 1
      }
    }
    self.checkpoints = checkpoints
  }

  /// The byte offset (in the file, including `baseOffset`) of the scalar at `scalarIndex`.
  func byteOffset(ofScalar scalarIndex: Int) -> Int {
    if isASCII { return baseOffset + Swift.min(scalarIndex, bytes.count) }
    let slot = scalarIndex / Self.stride
    guard slot < checkpoints.count else { return baseOffset + bytes.count }
    var offset = checkpoints[slot]
    var remaining = scalarIndex - slot * Self.stride
    while remaining > 0, offset < bytes.count {
      offset += 1
      while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
      remaining -= 1
    }
    return baseOffset + offset
  }

  /// The byte at a file offset (as in `SourceMark.offset`), or nil past the end.
  func byte(atFileOffset offset: Int) -> UInt8? {
    let i = offset - baseOffset
    return i >= 0 && i < bytes.count ? bytes[i] : nil
  }

  /// A mark from libyaml's 0-based line, column and scalar index.
  func mark(line: Int, column: Int, index: Int) -> SourceMark {
    SourceMark(line: line + 1, column: column + 1, offset: byteOffset(ofScalar: index))
  }

  /// The mark of a byte offset into the bytes given to libyaml (used for reader errors, which carry no mark).
  func mark(byteOffset: Int) -> SourceMark {
    let end = Swift.min(Swift.max(byteOffset, 0), bytes.count)
    var line = 1
    var column = 1
    var i = 0
    while i < end {
      let byte = bytes[i]
      if byte == 0x0A || (byte == 0x0D && (i + 1 >= bytes.count || bytes[i + 1] != 0x0A)) {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 && byte != 0x0D {
        column += 1
      }
      i += 1
    }
    return SourceMark(line: line, column: column, offset: baseOffset + end)
  }

  /// A span from two libyaml marks' components.
  func span(_ start: SourceMark, _ end: SourceMark) -> SourceSpan {
    SourceSpan(file: file, start: start, end: end)
  }

  /// A zero-width span at `mark`.
  func span(at mark: SourceMark) -> SourceSpan {
    SourceSpan(file: file, at: mark)
  }
}
