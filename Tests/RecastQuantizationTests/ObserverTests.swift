import RecastQuantization
import RecastTensor
import Testing

@Suite("Observers and the calculator registry")
struct ObserverTests {
  let spec = QuantizationSpec(dtype: .int8, qscheme: .asymmetric, granularity: .perChannel(axis: 0))
  let tensorSpec = QuantizationSpec(dtype: .int8, qscheme: .asymmetric)

  @Test func globalMinMaxMergeEqualsObservingEverything() throws {
    let xs = observerBatches(21, count: 6)
    var a = GlobalMinMaxCalculator(spec: spec)
    var b = GlobalMinMaxCalculator(spec: spec)
    for x in xs[..<3] { try a.observe(x) }
    for x in xs[3...] { try b.observe(x) }
    try a.merge(b)
    var all = GlobalMinMaxCalculator(spec: spec)
    try all.observe(concatenatedBatches(xs))
    #expect(a.range == all.range)
    #expect(try a.computeQParams() == all.computeQParams())
  }

  @Test func staticKeepsTheLatestBatch() throws {
    let xs = observerBatches(22, count: 6)
    var s = StaticCalculator(spec: spec)
    for x in xs { try s.observe(x) }
    #expect(s.range == (try GroupRange(of: xs.last!, granularity: spec.granularity)))
  }

  @Test func movingAverageFollowsTheFormula() throws {
    let xs = observerBatches(23, count: 3)
    var m = MovingAverageCalculator(spec: tensorSpec)
    for x in xs { try m.observe(x) }
    let r = try xs.map { x throws(QuantizationError) in try GroupRange(of: x, granularity: .perTensor) }
    var lo = r[0].min[0]
    var hi = r[0].max[0]
    for b in r.dropFirst() {
      lo += 0.01 * (b.min[0] - lo)
      hi += 0.01 * (b.max[0] - hi)
    }
    #expect(m.range?.min == [lo] && m.range?.max == [hi])
  }

  @Test func histogramIsExactAcrossRebinning() throws {
    var h = Histogram(binLimit: 16)
    var parts = [Histogram(binLimit: 16), Histogram(binLimit: 16)]
    let values: [[Float]] = [[0.1, 0.2, 0.3], [-5, 7.5, 0.25], [100, -0.01]]
    for v in values { v.withUnsafeBufferPointer { h.add($0) } }
    values[0].withUnsafeBufferPointer { parts[0].add($0) }
    for v in values[1...] { v.withUnsafeBufferPointer { parts[1].add($0) } }
    parts[0].merge(parts[1])
    #expect(h == parts[0])
    #expect(h.total == 8 && h.counts.count <= 16)
  }

  @Test func percentileClipsOutliers() throws {
    var values = [Float](repeating: 0, count: 100_000)
    for i in values.indices { values[i] = Float(i % 1000) / 1000 - 0.5 }
    values[0] = 50  // one outlier
    var p = PercentileCalculator(spec: QuantizationSpec(dtype: .int8), percentile: 99.9)
    try p.observe(Tensor(shape: [values.count], floats: values))
    let a = p.range!.max[0]
    #expect(a > 0.45 && a < 0.55)
    var m = MSECalculator(spec: QuantizationSpec(dtype: .int8))
    try m.observe(Tensor(shape: [values.count], floats: values))
    #expect(m.range!.max[0] < 50)
  }

  @Test func registryResolvesDefaultsAndCustomNames() throws {
    let registry = QParamCalculatorRegistry()
    let spec = QuantizationSpec(dtype: .int8)
    #expect(try registry.make(for: spec, role: .weight) is StaticCalculator)
    #expect(try registry.make(for: spec, role: .activation) is MovingAverageCalculator)
    try registry.register(name: "max_range") { GlobalMinMaxCalculator(spec: $0) }
    var custom = QuantizationSpec(dtype: .int8)
    custom.qparamCalculator = "max_range"
    #expect(try registry.make(for: custom, role: .activation) is GlobalMinMaxCalculator)
    custom.qparamCalculator = "moving_avrage"
    do {
      _ = try registry.make(for: custom, role: .activation)
      Issue.record("unknown name accepted")
    } catch {
      #expect(error.help == "did you mean 'moving_average'?")
    }
    #expect(throws: QuantizationError.self) { try registry.register(name: "default") { StaticCalculator(spec: $0) } }
  }

  @Test func mergeRejectsOtherKinds() throws {
    var a = GlobalMinMaxCalculator(spec: spec)
    let b = StaticCalculator(spec: spec)
    #expect(throws: QuantizationError.self) { try a.merge(b) }
  }
}

/// `count` seeded `[4, 50]` batches whose spread grows batch by batch.
func observerBatches(_ seed: UInt64, count: Int) -> [Tensor] {
  var rng = SeededRandom(seed: seed)
  return (0..<count).map { i in Tensor(shape: [4, 50], floats: rng.normals(200, scale: Float(i + 1) * 0.3)) }
}

/// Batches joined along axis 1, so per-channel groups (axis 0) see every batch.
func concatenatedBatches(_ xs: [Tensor]) -> Tensor {
  let rows = (0..<4).flatMap { r in xs.flatMap { Array($0.scalars(as: Float.self)[(r * 50)..<(r * 50 + 50)]) } }
  return Tensor(shape: [4, 50 * xs.count], floats: rows)
}
