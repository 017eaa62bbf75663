import RecastDiagnostics

/// Checks raw input before libyaml sees it: size, binary content, encoding, byte order mark.
///
/// libyaml's own messages for these cases are poor (a NUL byte is "control characters are not allowed" at a
/// mark that may not match the byte), so the reader rejects them first with a precise location.
enum InputCheck {
  /// How many leading bytes are searched for NUL when deciding whether a file is binary.
  static let binaryProbeLength = 8192

  /// The number of bytes to skip before parsing: 3 for a UTF-8 byte order mark, otherwise 0.
  static func check(_ bytes: [UInt8], file: String, limits: YAMLLimits) throws(DiagnosticError) -> Int {
    let start = SourceMark(line: 1, column: 1, offset: 0)
    if bytes.count > limits.maxBytes {
      throw DiagnosticError(
        .error(
          "yaml.too-large",
          "input is \(describe(bytes: bytes.count)); the limit is \(describe(bytes: limits.maxBytes))",
          at: SourceSpan(file: file, at: start)))
    }
    if bytes.count >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
      throw DiagnosticError(
        .error(
          "yaml.encoding", "input is UTF-16 (it starts with a UTF-16 byte order mark); YAML recipes must be UTF-8",
          at: SourceSpan(file: file, at: start), help: "save the file as UTF-8"))
    }
    if let nul = bytes.prefix(binaryProbeLength).firstIndex(of: 0) {
      throw DiagnosticError(
        .error(
          "yaml.binary", "input looks binary, not YAML: it has a NUL byte at byte offset \(nul)",
          at: SourceSpan(file: file, at: mark(ofByte: nul, in: bytes))))
    }
    if let bad = firstInvalidUTF8(bytes) {
      throw DiagnosticError(
        .error(
          "yaml.encoding", "input is not valid UTF-8: invalid byte 0x\(hex(bytes[bad])) at byte offset \(bad)",
          at: SourceSpan(file: file, at: mark(ofByte: bad, in: bytes)), help: "save the file as UTF-8"))
    }
    let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    return hasBOM ? 3 : 0
  }

  /// The offset of the first byte that does not begin a well-formed UTF-8 sequence (overlong forms, surrogates
  /// and code points above U+10FFFF are ill-formed), or nil when all of `bytes` is valid.
  static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
    bytes.withUnsafeBufferPointer { buffer -> Int? in
      var i = 0
      let n = buffer.count
      while i < n {
        let b0 = buffer[i]
        if b0 < 0x80 {
          i += 1
          continue
        }
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, low) = (3, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: (length, high) = (3, 0x9F)
        case 0xF0: (length, low) = (4, 0x90)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, high) = (4, 0x8F)
        default: return i
        }
        guard i + length <= n else { return i }
        let b1 = buffer[i + 1]
        guard b1 >= low, b1 <= high else { return i }
        for k in 2..<length where buffer[i + k] & 0xC0 != 0x80 { return i }
        i += length
      }
      return nil
    }
  }

  /// Line and column of a byte offset, counting only `\n` as a line break (enough for pre-parse errors).
  static func mark(ofByte offset: Int, in bytes: [UInt8]) -> SourceMark {
    var line = 1
    var column = 1
    for byte in bytes.prefix(offset) {
      if byte == 0x0A {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return SourceMark(line: line, column: column, offset: offset)
  }

  /// `12.3 MiB`, `512 KiB`, `100 bytes`.
  static func describe(bytes: Int) -> String {
    if bytes >= 1 << 20 {
      let mib = Double(bytes) / Double(1 << 20)
      return bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\((mib * 10).rounded() / 10) MiB"
    }
    if bytes >= 1 << 10 { return bytes % 1024 == 0 ? "\(bytes >> 10) KiB" : "\(bytes) bytes" }
    return "\(bytes) bytes"
  }

  private static func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
  }
}
