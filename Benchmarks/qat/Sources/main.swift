// One QAT training step (training forward with fake-quant, cross-entropy, backward, SGD momentum 0.9, BatchNorm
// statistics, `quantizer.step()`) on digits_cnn_bn at batch 64 and resnet18_random_bn at batch 8, W8A8 graph mode
// (int8 per-channel weights, int8 per-tensor activations; Conv+BN as a simulated fold). Prints the median ms/step
// and where the step spends its time. Release build; Benchmarks/qat/run.sh runs it next to PyTorch.
//
// With `--w2-seeds`, it measures accuracy instead: W2 (int2 per-channel) + A8 QAT on digits_cnn_bn as the QAT issue
// states it (calibration on the 100 calibration images, 2 epochs of batch 64, SGD lr 0.01 momentum 0.9,
// cross-entropy), once per shuffle seed, printing top-1 after PTQ and after QAT. The shuffle order of seed S is
// PyTorch's, so Benchmarks/qat/w2_seeds.sh can put each seed next to torch_w2_peer.py's run on the same batches.
//
// Usage: qat-bench [--models DIR] [--steps N] [--warmup N] [--only digits|resnet18]
//        qat-bench --w2-seeds 0,1,2 [--mode graph|eager] [--models DIR]
import Foundation
import RecastGraph
import RecastQuantization
import RecastTensor

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
func ms(_ from: UInt64, _ to: UInt64) -> Double { Double(to - from) / 1e6 }
/// CPU time of the whole process (every thread), in ms.
func cpuMilliseconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
  return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
}
func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  let n = sorted.count
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}

struct Options {
  var models: URL
  var steps = 20
  var warmup = 3
  var only: String?
  var seeds: [UInt64]?
  var mode = QuantizerConfig.ExecutionMode.eager
}

func parseOptions() -> Options {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  var options = Options(models: root.deletingLastPathComponent().appendingPathComponent("shared/models"))
  var arguments = CommandLine.arguments.dropFirst().makeIterator()
  while let argument = arguments.next() {
    switch argument {
    case "--models": options.models = URL(fileURLWithPath: arguments.next()!)
    case "--steps": options.steps = Int(arguments.next()!)!
    case "--warmup": options.warmup = Int(arguments.next()!)!
    case "--only": options.only = arguments.next()!
    case "--w2-seeds": options.seeds = arguments.next()!.split(separator: ",").map { UInt64($0)! }
    case "--mode": options.mode = arguments.next()! == "graph" ? .graph : .eager
    default:
      FileHandle.standardError.write(Data("qat-bench: unknown argument '\(argument)'\n".utf8))
      exit(64)
    }
  }
  return options
}

/// Prepares `model` for W8A8 graph-mode QAT, calibrates on `x`, then runs `warmup` + `steps` training steps on
/// (`x`, `labels`) and prints the median step time and its parts.
func measure(_ name: String, model: Model, x: Tensor, labels: [Int], options: Options) throws {
  let config = QuantizerConfig.presets.w8a8().setExecutionMode(.graph)
  let quantizer = try Quantizer(model, config: config)
  let prepared = try quantizer.prepare(exampleInputs: [["input": x]])
  try quantizer.calibrationMode { _ = try prepared(["input": x]) }
  var optimizer = SGD(learningRate: 0.01, momentum: 0.9)
  var total: [Double] = []
  var cpu: [Double] = []
  var parts: [String: [Double]] = [:]
  var lastLoss = Double.nan
  try quantizer.trainingMode(stepsPerEpoch: options.warmup + options.steps) { session in
    for step in 0..<(options.warmup + options.steps) {
      let c0 = cpuMilliseconds()
      let t0 = now()
      let tape = try session.forward(["input": x])
      let t1 = now()
      let (loss, seed) = try Loss.crossEntropy(logits: tape.outputs["logits"]!, labels: labels)
      let t2 = now()
      let gradients = try tape.backward(seed: ["logits": seed])
      let t3 = now()
      try optimizer.step(&session.parameters, gradients: gradients)
      session.update(from: tape)
      try quantizer.step()
      let t4 = now()
      let c1 = cpuMilliseconds()
      lastLoss = loss
      guard step >= options.warmup else { continue }
      total.append(ms(t0, t4))
      cpu.append(c1 - c0)
      parts["forward", default: []].append(ms(t0, t1))
      parts["loss", default: []].append(ms(t1, t2))
      parts["backward", default: []].append(ms(t2, t3))
      parts["optimizer+bn+schedule", default: []].append(ms(t3, t4))
    }
  }
  let breakdown = ["forward", "loss", "backward", "optimizer+bn+schedule"].map {
    String(format: "%@ %.2f", $0, median(parts[$0]!))
  }.joined(separator: ", ")
  print(
    String(
      format:
        "recast %@: median %.3f ms/step, min %.3f ms, cpu %.3f ms/step (%d steps after %d warm-up; %@; last loss %.4f)",
      name, median(total), total.min()!, median(cpu), options.steps, options.warmup, breakdown, lastLoss))
}

/// W2 + A8 QAT accuracy per shuffle seed (see the header).
func accuracy(seeds: [UInt64], options: Options) throws {
  func load(_ name: String) throws -> Tensor {
    try NPY.read(contentsOf: options.models.appendingPathComponent(name))
  }
  let model = try Model(contentsOf: options.models.appendingPathComponent("digits_cnn_bn.onnx"))
  let (calibration, trainX, trainY, testX) = try (
    load("digits_calib_x.npy"), load("digits_train_x.npy"), load("digits_train_y.npy"), load("digits_test_x.npy")
  )
  let testY = try load("digits_test_y.npy").scalars(as: Int64.self)
  func top1(_ logits: Tensor) -> Int {
    let values = logits.scalars(as: Float.self)
    return testY.enumerated().filter { row, label in
      let scores = values[row * 10..<(row + 1) * 10]
      return scores.indices.max { scores[$0] < scores[$1] }! - row * 10 == Int(label)
    }.count
  }
  let config = QuantizerConfig(
    global: ModuleQuantizerConfig(
      opInputSpec: .all(.defaultActivation), opOutputSpec: .all(.defaultActivation),
      opStateSpec: ["weight": QuantizationSpec(dtype: .int2, granularity: .perChannel(axis: nil))])
  ).setExecutionMode(options.mode)
  var results: [Int] = []
  for seed in seeds {
    let quantizer = try Quantizer(model, config: config)
    let batch = { (start: Int) in try calibration.sliced(starts: [start], ends: [start + 25], axes: [0]) }
    let prepared = try quantizer.prepare(exampleInputs: [["input": try batch(0)]])
    try quantizer.calibrationMode {
      for start in stride(from: 0, to: 100, by: 25) { _ = try prepared(["input": try batch(start)]) }
    }
    let ptq = top1(try prepared(["input": testX])["logits"]!)
    let data = try TensorDataSource(
      inputs: ["input": trainX], labels: trainY, batchSize: 64, shuffle: true, seed: seed)
    var trainer = QATTrainer(epochs: 2, optimizer: SGD(learningRate: 0.01, momentum: 0.9), loss: .crossEntropy)
    let summary = try trainer.run(quantizer, data: data)
    let qat = top1(try prepared(["input": testX])["logits"]!)
    results.append(qat)
    print(
      String(
        format: "recast %@ seed %llu: PTQ %d/360  QAT %d/360  (%d steps, loss %.3f -> %.3f)",
        "\(options.mode)", seed, ptq, qat, summary.steps, summary.losses.first!, summary.losses.last!))
  }
  print("recast \(options.mode): QAT \(results)")
}

func benchmark() throws {
  let options = parseOptions()
  if let seeds = options.seeds { return try accuracy(seeds: seeds, options: options) }
  print("recast: \(Parallelism.workers) kernel threads, OpenBLAS single-threaded")
  if options.only == nil || options.only == "digits" {
    let model = try Model(contentsOf: options.models.appendingPathComponent("digits_cnn_bn.onnx"))
    let x = try NPY.read(contentsOf: options.models.appendingPathComponent("digits_train_x.npy"))
      .sliced(starts: [0], ends: [64], axes: [0])
    let y = try NPY.read(contentsOf: options.models.appendingPathComponent("digits_train_y.npy"))
      .scalars(as: Int64.self).prefix(64).map(Int.init)
    try measure("digits_cnn_bn b64", model: model, x: x, labels: y, options: options)
  }
  if options.only == nil || options.only == "resnet18" {
    let model = try Model(contentsOf: options.models.appendingPathComponent("resnet18_random_bn.onnx"))
    let x = try NPY.read(contentsOf: options.models.appendingPathComponent("resnet18_input.npy"))
    // Random labels over 1000 classes from a fixed linear congruential sequence (timing only).
    var state: UInt64 = 12345
    let labels = (0..<x.shape[0]).map { _ -> Int in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33) % 1000
    }
    try measure("resnet18_random_bn b8", model: model, x: x, labels: labels, options: options)
  }
}

try benchmark()
