import Foundation
import RecastQuantization
import RecastTensor
import TestSupport
import Testing

/// One case written by `Fixtures/make_histogram_fixtures.py`: a [R, N] tensor and numpy's figures per group.
struct HistogramCase: Decodable, Sendable, CustomTestStringConvertible {
  struct Group: Decodable, Sendable {
    let abs_percentile: Double
    let abs_gap: Double
    let low_percentile: Double
    let low_gap: Double
    let high_percentile: Double
    let high_gap: Double
    let best_mse: Double
  }

  let name: String
  let shape: [Int]
  let granularity: String
  let block_size: Int
  let percentile: Double
  let steps: Int
  let x: [UInt32]
  let groups: [Group]

  var testDescription: String { name }
  var tensor: Tensor { Tensor(shape: shape, floats: x.map(Float.init(bitPattern:))) }
  var layout: Granularity {
    granularity == "per_channel" ? .perChannel(axis: 0) : .perBlock(axis: 1, blockSize: block_size)
  }

  /// The values of group `g` (a row per-channel, a block along axis 1 per-block).
  func values(ofGroup g: Int) -> [Float] {
    let floats = x.map(Float.init(bitPattern:))
    if granularity == "per_channel" { return Array(floats[(g * shape[1])..<((g + 1) * shape[1])]) }
    let perRow = shape[1] / block_size
    let start = (g / perRow) * shape[1] + (g % perRow) * block_size
    return Array(floats[start..<(start + block_size)])
  }

  static let all: [HistogramCase] = {
    struct File: Decodable { let cases: [HistogramCase] }
    let url = Paths.repository("Tests/RecastQuantizationTests/Fixtures/histogram_cases.json")
    guard let data = try? Data(contentsOf: url) else { return [] }
    return (try? JSONDecoder().decode(File.self, from: data).cases) ?? []
  }()
}

/// `percentile` and `mse` per channel and per block: one histogram per group, each group as if observed alone,
/// merging exact, and the figures numpy computes on the raw values.
@Suite("Histogram calculators per channel and per block")
struct ObserverGroupTests {
  static let granularities: [Granularity] = [
    .perChannel(axis: 0), .perChannel(axis: 1), .perBlock(axis: 1, blockSize: 10),
  ]

  /// Per tensor and per channel, symmetric and asymmetric: two merged shards, one observer of everything and one
  /// fed batch by batch hold the same histograms.
  @Test(arguments: ["percentile", "mse"], [QScheme.symmetric, .asymmetric])
  func mergeEqualsObservingEverything(_ name: String, _ qscheme: QScheme) throws {
    for granularity in [Granularity.perTensor, .perChannel(axis: 0)] {
      try checkMerge(name, qscheme, granularity)
    }
  }

  func checkMerge(_ name: String, _ qscheme: QScheme, _ granularity: Granularity) throws {
    let xs = observerBatches(41, count: 5)
    let spec = QuantizationSpec(dtype: .int8, qscheme: qscheme, granularity: granularity, qparamCalculator: name)
    let registry = QParamCalculatorRegistry()
    var a = try registry.make(for: spec, role: .activation)
    var b = try registry.make(for: spec, role: .activation)
    for x in xs[..<2] { try a.observe(x) }
    for x in xs[2...] { try b.observe(x) }
    try a.merge(b)
    var all = try registry.make(for: spec, role: .activation)
    try all.observe(concatenatedBatches(xs))
    var sequential = try registry.make(for: spec, role: .activation)
    for x in xs { try sequential.observe(x) }
    #expect(a.range == all.range)
    #expect(sequential.range == all.range)
    #expect(all.range?.scaleShape == (granularity == .perTensor ? [] : [4]))
    #expect(try a.computeQParams() == all.computeQParams())
  }

  /// Group `g` of a per-channel or per-block calculator equals a per-tensor calculator fed only that group's values.
  @Test(arguments: ["percentile", "mse"], granularities)
  func eachGroupEqualsAPerTensorCalculatorOnItsValues(_ name: String, _ granularity: Granularity) throws {
    let xs = observerBatches(42, count: 3)
    let registry = QParamCalculatorRegistry()
    var spec = QuantizationSpec(dtype: .int8, qscheme: .asymmetric, qparamCalculator: name)
    spec.granularity = granularity
    var grouped = try registry.make(for: spec, role: .activation)
    for x in xs { try grouped.observe(x) }
    let range = try #require(grouped.range)
    let tensorSpec = QuantizationSpec(dtype: .int8, qscheme: .asymmetric, qparamCalculator: name)
    for g in range.min.indices {
      var single = try registry.make(for: tensorSpec, role: .activation)
      for x in xs {
        let values = x.scalars(as: Float.self).enumerated().filter { group(of: $0.offset, granularity) == g }.map(
          \.element)
        try single.observe(Tensor(shape: [values.count], floats: values))
      }
      #expect(single.range?.min == [range.min[g]] && single.range?.max == [range.max[g]], "group \(g)")
    }
  }

  /// The group of element `i` of a [4, 50] tensor.
  func group(of i: Int, _ granularity: Granularity) -> Int {
    let (row, column) = (i / 50, i % 50)
    switch granularity {
    case .perChannel(axis: 0): return row
    case .perChannel: return column
    default: return row * 5 + column / 10
    }
  }

  @Test func mergingDifferentGroupShapesFails() throws {
    var a = PercentileCalculator(spec: QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: 0)))
    var b = PercentileCalculator(spec: QuantizationSpec(dtype: .int8, granularity: .perChannel(axis: 0)))
    try a.observe(Tensor(shape: [4, 5], floats: (0..<20).map(Float.init)))
    try b.observe(Tensor(shape: [3, 5], floats: (0..<15).map(Float.init)))
    #expect(throws: QuantizationError.self) { try a.merge(b) }
    #expect(throws: QuantizationError.self) { try a.observe(Tensor(shape: [3, 5], floats: (0..<15).map(Float.init))) }
  }

  @Test func tooManyGroupsForTheHistogramsIsAnError() {
    var m = MSECalculator(spec: QuantizationSpec(dtype: .int4, granularity: .perBlock(axis: 1, blockSize: 2)))
    #expect(throws: QuantizationError.self) { try m.observe(Tensor(zeros: .float32, shape: [512, 1024])) }
  }

  @Test func fixturesArePresent() { #expect(HistogramCase.all.count == 3, "run Fixtures/make_histogram_fixtures.py") }

  /// numpy's percentile on the raw values lies within the gap between the order statistics around the target rank,
  /// widened by one histogram bin on each side: the histogram interpolates inside a bin, numpy between samples.
  @Test(arguments: HistogramCase.all)
  func percentileAgreesWithNumpy(_ c: HistogramCase) throws {
    for qscheme in [QScheme.symmetric, .asymmetric] {
      var p = PercentileCalculator(
        spec: QuantizationSpec(dtype: .int8, qscheme: qscheme, granularity: c.layout), percentile: c.percentile)
      try p.observe(c.tensor)
      let range = try #require(p.range)
      #expect(range.min.count == c.groups.count)
      for (g, expected) in c.groups.enumerated() {
        let bin = p.state.histograms[g].binWidth
        if qscheme == .symmetric {
          #expect(abs(Double(range.max[g]) - expected.abs_percentile) <= expected.abs_gap + 2 * bin, "group \(g)")
          #expect(range.min[g] == -range.max[g] || range.min[g] == p.state.histograms[g].min, "group \(g)")
        } else {
          #expect(abs(Double(range.min[g]) - expected.low_percentile) <= expected.low_gap + 2 * bin, "group \(g)")
          #expect(abs(Double(range.max[g]) - expected.high_percentile) <= expected.high_gap + 2 * bin, "group \(g)")
        }
      }
    }
  }

  /// The range `mse` picks from its histogram quantizes each group's raw values almost as well as the best of the
  /// same candidates searched on the raw values by numpy (within 5%: bin centres stand in for the values).
  @Test(arguments: HistogramCase.all)
  func mseAgreesWithNumpy(_ c: HistogramCase) throws {
    let spec = QuantizationSpec(dtype: .int8, granularity: c.layout)
    var m = MSECalculator(spec: spec, steps: c.steps)
    try m.observe(c.tensor)
    let q = try m.computeQParams()
    for (g, expected) in c.groups.enumerated() {
      let values = c.values(ofGroup: g)
      let single = QParams(
        scale: [q.scale[g]], zeroPoint: [q.zeroPoint[g]], dtype: .int8, granularity: .perTensor, scaleShape: [])
      let y = try FakeQuant.apply(Tensor(shape: [values.count], floats: values), qparams: single, spec: spec)
      let error = zip(values, y.scalars(as: Float.self)).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }
      #expect(error <= expected.best_mse * 1.05 + 1e-9, "group \(g): \(error) vs numpy's best \(expected.best_mse)")
    }
  }
}
