import Foundation
import RecastTensor
import TestSupport
import Testing

/// Seeded data shuffles against PyTorch (`Fixtures/make_randperm_fixtures.py`): the raw MT19937 outputs and the
/// per-epoch orders of `torch.randperm(count, generator=torch.Generator().manual_seed(seed))`.
@Suite("Shuffle order matches PyTorch")
struct ShuffleOrderTests {
  struct Case: Decodable, Sendable, CustomTestStringConvertible {
    let seed: UInt64
    let count: Int
    let orders: [[Int]]
    var testDescription: String { "seed \(seed), \(count) samples" }
  }

  struct File: Decodable {
    let torch: String
    let cases: [Case]
    let words: [String: [UInt64]]
    let word_indices: [Int]
  }

  static let file: File = try! JSONDecoder().decode(
    File.self,
    from: Data(contentsOf: Paths.repository("Tests/RecastTensorTests/Fixtures/randperm_cases.json")))

  @Test(arguments: file.cases)
  func epochOrdersAreTorchRandperm(_ reference: Case) {
    for (epoch, expected) in reference.orders.enumerated() {
      #expect(
        MersenneTwister.epochOrder(count: reference.count, seed: reference.seed, epoch: epoch) == expected,
        "epoch \(epoch) (torch \(Self.file.torch))")
    }
    var generator = MersenneTwister(seed: reference.seed)
    #expect(reference.orders.map { _ in generator.permutation(count: reference.count) } == reference.orders)
  }

  @Test func rawOutputsAreTheReferenceGenerators() throws {
    #expect(Self.file.words.count == 4)
    for (seed, expected) in Self.file.words {
      var generator = MersenneTwister(seed: try #require(UInt64(seed)))
      var outputs: [UInt32] = []
      for _ in 0...Self.file.word_indices.last! { outputs.append(generator.next32()) }
      #expect(Self.file.word_indices.map { UInt64(outputs[$0]) } == expected, "seed \(seed)")
    }
  }

  @Test func discardSkipsExactlyThatManyOutputs() {
    for skip in [0, 1, 623, 624, 625, 1300, 5000] {
      var stepped = MersenneTwister(seed: 9)
      for _ in 0..<skip { _ = stepped.next32() }
      var skipped = MersenneTwister(seed: 9)
      skipped.discard(skip)
      #expect((0..<700).map { _ in skipped.next32() } == (0..<700).map { _ in stepped.next32() }, "skip \(skip)")
    }
  }

  @Test func everyOrderIsAPermutation() {
    for count in [0, 1, 2, 5, 97, 1000] {
      for epoch in 0..<3 {
        let order = MersenneTwister.epochOrder(count: count, seed: 3, epoch: epoch)
        #expect(order.sorted() == Array(0..<count), "\(count) samples, epoch \(epoch)")
      }
    }
  }
}
