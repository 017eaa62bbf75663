import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor
import TestSupport
import Testing

/// QAT end to end on the digits CNN with BatchNorm (Examples/digits): PTQ, then 2 epochs of QAT (batch 64, SGD
/// lr 0.01 momentum 0.9, cross-entropy, seeded shuffle), top-1 of the prepared model on the 360 test images, and
/// of the exported QDQ model in onnxruntime. Float top-1 is 357/360.
@Suite("QAT on the digits network", .serialized)
struct QATDigitsTests {
  static let folder = Paths.repository("Examples/digits")
  static let model = try! Model(contentsOf: folder.appendingPathComponent("digits_cnn_bn.onnx"))
  static let calibration = try! NPY.read(
    contentsOf: folder.appendingPathComponent("digits_calib_x.npy"))
  static let trainX = try! NPY.read(contentsOf: folder.appendingPathComponent("digits_train_x.npy"))
  static let trainY = try! NPY.read(contentsOf: folder.appendingPathComponent("digits_train_y.npy"))
  static let testX = try! NPY.read(contentsOf: folder.appendingPathComponent("digits_test_x.npy"))
  static let testY = try! NPY.read(contentsOf: folder.appendingPathComponent("digits_test_y.npy"))
    .scalars(as: Int64.self)

  /// int`bits` symmetric per-output-channel weights, coreai-opt's default int8 activations (symmetric, per tensor,
  /// moving average).
  /// With `learnedFrom`, every quantizer learns its step size (`fake_quantize_cls: lsq`) from that step on, when
  /// the schedule turns the observers off.
  static func config(
    _ weight: QuantDType, _ mode: QuantizerConfig.ExecutionMode, learnedFrom: Int? = nil
  ) -> QuantizerConfig {
    var activation = QuantizationSpec.defaultActivation
    var weightSpec = QuantizationSpec(dtype: weight, granularity: .perChannel(axis: nil))
    if learnedFrom != nil { (activation.fakeQuantize, weightSpec.fakeQuantize) = ("lsq", "lsq") }
    return QuantizerConfig(
      global: ModuleQuantizerConfig(
        opInputSpec: .all(activation), opOutputSpec: .all(activation), opStateSpec: ["weight": weightSpec],
        qatSchedule: learnedFrom.map { QATSchedule(disableObserver: .step($0)) })
    ).setExecutionMode(mode)
  }

  static func correct(_ logits: Tensor) -> Int {
    let values = logits.scalars(as: Float.self)
    return testY.enumerated().filter { row, label in
      let scores = values[row * 10..<(row + 1) * 10]
      return scores.indices.max { scores[$0] < scores[$1] }! - row * 10 == Int(label)
    }.count
  }

  /// Prepares and calibrates (100 images, batches of 25).
  static func ptq(_ config: QuantizerConfig) throws -> (Quantizer, PreparedModel) {
    let quantizer = try Quantizer(model, config: config)
    let prepared = try quantizer.prepare(exampleInputs: [
      ["input": QuantizerFixtures.rows(calibration, 0..<25)]
    ])
    try quantizer.calibrationMode {
      for start in stride(from: 0, to: 100, by: 25) {
        _ = try prepared(["input": QuantizerFixtures.rows(calibration, start..<start + 25)])
      }
    }
    return (quantizer, prepared)
  }

  struct Outcome {
    var ptq: Int
    var qat: Int
    var exported: Int?
    var seconds: Double
    var losses: [Double]
  }

  static func run(
    _ weight: QuantDType, _ mode: QuantizerConfig.ExecutionMode, runtime: ExportOracle.Runtime?,
    learnedFrom: Int? = nil, seed: UInt64 = 0
  ) throws
    -> Outcome
  {
    let (quantizer, prepared) = try ptq(config(weight, mode, learnedFrom: learnedFrom))
    let before = correct(try prepared(["input": testX])["logits"]!)
    let data = try TensorDataSource(
      inputs: ["input": trainX], labels: trainY, batchSize: 64, shuffle: true, seed: seed)
    var trainer = QATTrainer(
      epochs: 2, optimizer: SGD(learningRate: 0.01, momentum: 0.9), loss: .crossEntropy)
    let summary = try trainer.run(quantizer, data: data)
    let after = correct(try prepared(["input": testX])["logits"]!)
    var exported: Int?
    if let runtime, ExportOracle.available() {
      let model = try quantizer.finalize(backend: .onnx)
      exported = correct(try ExportOracle.run(model, inputs: ["input": testX], runtime: runtime))
    }
    let outcome = Outcome(
      ptq: before, qat: after, exported: exported, seconds: summary.seconds, losses: summary.losses)
    print(
      "digits_cnn_bn \(weight) per-channel + A8, \(mode) mode: PTQ \(before)/360, QAT (2 epochs, "
        + "\(summary.steps) steps, \(String(format: "%.2f", summary.seconds)) s) \(after)/360, exported "
        + "\(exported.map { "\($0)/360" } ?? "not run"); loss \(summary.losses.first!) → \(summary.losses.last!)"
    )
    return outcome
  }

  @Test func w4PerChannelA8() throws {
    let outcome = try Self.run(.int4, .graph, runtime: .ort)
    #expect(outcome.qat >= 356, "within 1 point of float (357/360)")
    if let exported = outcome.exported { #expect(exported == outcome.qat, "no convert drop") }
  }

  /// coreai-opt 0.3.0 on the same network and data: graph 322 → 344, eager 321 → 358 of 360 (one run each). With
  /// the same full-range int2 grid (`s = max|w| / 1.5`, codes −2…1), Recast's seed 0 gives graph 321 → 356 and
  /// eager 323 → 354; `w2AgainstThePyTorchPeer` puts these in context. The floors are coreai-opt's graph figure
  /// and Recast's own eager result less a small margin for BLAS summation order.
  @Test(arguments: [QuantizerConfig.ExecutionMode.graph, .eager])
  func w2PerChannelA8(_ mode: QuantizerConfig.ExecutionMode) throws {
    let outcome = try Self.run(.int2, mode, runtime: .ortUnoptimized)
    #expect(outcome.qat >= outcome.ptq + 20, "QAT recovers what int2 PTQ loses")
    #expect(outcome.qat >= (mode == .graph ? 344 : 354))
    if let exported = outcome.exported { #expect(exported == outcome.qat, "no convert drop") }
  }

  /// The same W2 run with learned step sizes (`lsq`) after 10 observed steps: graph 321 → 354, eager 323 → 353
  /// (seed 0), so on this small network learning the scales brings nothing over the observers; the learned qparams
  /// export without a drop.
  @Test(arguments: [QuantizerConfig.ExecutionMode.graph, .eager])
  func w2LearnedStepSize(_ mode: QuantizerConfig.ExecutionMode) throws {
    let outcome = try Self.run(.int2, mode, runtime: .ortUnoptimized, learnedFrom: 10)
    #expect(outcome.qat >= outcome.ptq + 15)
    if let exported = outcome.exported { #expect(exported == outcome.qat, "no convert drop") }
  }

  /// Per-seed results of an independent PyTorch implementation of the same training
  /// (`Benchmarks/qat/torch_w2_peer.py`, written to `Fixtures/w2_peer.json`), which shuffles exactly as Recast does
  /// (`torch.randperm` per epoch), so both see the same batches at every seed.
  struct Peer: Decodable {
    struct Runs: Decodable {
      let ptq: [Int]
      let qat: [Int]
    }
    let torch: String
    let seeds: [UInt64]
    let coreai: Runs
    let graph: Runs

    static let file: Peer = try! JSONDecoder().decode(
      Peer.self,
      from: Data(contentsOf: Paths.repository("Tests/RecastQuantizationTests/Fixtures/w2_peer.json")))
  }

  /// W2 over shuffle seeds 0–9 against the PyTorch peer on the same batches. Training is chaotic at int2 (one code
  /// flipping early changes the whole run), so single seeds differ by several images either way; the means must
  /// agree. Measured: eager Recast 353.0 / PyTorch 353.0, graph 354.0 / 354.9; over seeds 0–19 (release
  /// `Benchmarks/qat/w2_seeds.sh`) eager 353.25 / 352.65 and graph 352.85 / 353.25. PTQ is identical (eager 323,
  /// graph 321). coreai-opt's 358 in eager mode is at the top of both spreads: PyTorch reaches it at 1 seed of 20,
  /// Recast at 2.
  @Test(arguments: [QuantizerConfig.ExecutionMode.graph, .eager])
  func w2AgainstThePyTorchPeer(_ mode: QuantizerConfig.ExecutionMode) throws {
    let peer = mode == .graph ? Peer.file.graph : Peer.file.coreai
    let seeds = 0..<10
    #expect(Array(Peer.file.seeds.prefix(seeds.count)) == seeds.map(UInt64.init))
    var ptq: [Int] = []
    var qat: [Int] = []
    for seed in seeds {
      let outcome = try Self.run(.int2, mode, runtime: nil, seed: UInt64(seed))
      (ptq, qat) = (ptq + [outcome.ptq], qat + [outcome.qat])
    }
    let mean = { (values: ArraySlice<Int>) in Double(values.reduce(0, +)) / Double(values.count) }
    let (ours, theirs) = (mean(qat[...]), mean(peer.qat[seeds]))
    print(
      "digits_cnn_bn int2 per-channel + A8, \(mode) mode, seeds 0–9: Recast QAT \(qat), mean \(ours); PyTorch "
        + "\(Peer.file.torch) on the same batches \(Array(peer.qat[seeds])), mean \(theirs)")
    #expect(ptq == Array(peer.ptq[seeds]), "PTQ equals the peer's")
    #expect(ours >= theirs - 1.5, "mean QAT top-1 \(ours) vs PyTorch's \(theirs)")
    #expect(qat.min()! >= peer.qat[seeds].min()! - 6)
    if mode == .graph { #expect(qat.min()! >= 344, "coreai-opt's graph-mode figure at every seed") }
  }
}
