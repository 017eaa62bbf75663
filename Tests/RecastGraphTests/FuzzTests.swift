import Foundation
import RecastGraph
import Testing
import TestSupport

/// The ONNX reader must survive arbitrary bytes: every mutation either imports or throws a `GraphError`.
@Suite("Reader robustness")
struct FuzzTests {
  @Test("mutated models import or fail cleanly, and shape inference never traps")
  func mutations() throws {
    let environment = ProcessInfo.processInfo.environment
    let seed = environment["RECAST_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_260_101
    let iterations = environment["RECAST_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 600
    var rng = SeededGenerator(seed: seed)
    var sources = [try GraphFixtures.linearRelu().serializedBytes()]
    if let folder = SharedModels.folder,
      let data = try? Data(contentsOf: folder.appendingPathComponent("digits_cnn_bn.dynamo.onnx"))
    {
      sources.append([UInt8](data))
    }
    var imported = 0
    for iteration in 0..<iterations {
      var bytes = sources[iteration % sources.count]
      let edits = Int.random(in: 1...8, using: &rng)
      for _ in 0..<edits {
        let position = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: bytes[position] = UInt8.random(in: 0...255, using: &rng)
        case 1: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...16, using: &rng)))
        default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: position)
        }
        if bytes.isEmpty { bytes = [0] }
      }
      do {
        let model = try Model(serializedBytes: bytes)
        _ = try? model.graph.inferredShapes()
        _ = try model.serializedBytes()
        imported += 1
      } catch {
        #expect(!error.description.isEmpty, "seed \(seed), iteration \(iteration)")
      }
    }
    print("fuzz: seed \(seed), \(imported) of \(iterations) mutations still imported")
  }
}
