import RecastDiagnostics
import RecastYAML
import Testing
import TestSupport

@Suite struct FuzzTests {
  static let seedDocument = YAMLWriterTests.recipe + "\n" + YAMLWriterTests.merges + "\nq: \"é ✓\"\nb: |\n  x\n"

  /// Bytes that tend to change YAML structure when inserted.
  static let interesting: [UInt8] = Array("[]{}:,-?&*!|>'\"#%@`\n\t \\<".utf8) + [0xC3, 0xA9, 0x80, 0xFF, 0x00]

  /// Mutated recipes either parse or fail with diagnostics that carry a span inside the input; nothing traps.
  @Test(arguments: [1, 2, 3, 4] as [UInt64])
  func mutatedInputNeverCrashes(seed: UInt64) {
    var rng = SeededGenerator(seed: seed)
    let original = Array(Self.seedDocument.utf8)
    for round in 0..<300 {
      var bytes = original
      for _ in 0..<Int.random(in: 1...8, using: &rng) {
        let at = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: bytes[at] = Self.interesting.randomElement(using: &rng)!
        case 1: bytes.insert(Self.interesting.randomElement(using: &rng)!, at: at)
        default: bytes.remove(at: at)
        }
      }
      do {
        let node = try YAMLReader.parse(bytes: bytes, file: "fuzz.yaml")
        _ = YAMLWriter.render(node)
      } catch {
        for d in error.diagnostics {
          #expect(d.id.hasPrefix("yaml."), "seed \(seed) round \(round)")
          if let span = d.span {
            #expect(span.start.offset <= bytes.count, "seed \(seed) round \(round)")
            #expect(span.start.line >= 1 && span.start.column >= 1, "seed \(seed) round \(round)")
          }
        }
      }
    }
  }
}
