import Foundation
import RecastDiagnostics
import RecastGraph
import RecastRecipe
import RecastTensor
import RecastYAML
import Testing
import TestSupport

/// Data sets load from the recipe's `data` section and are checked against the model before any compute.
@Suite struct DatasetTests {
  static let model = try! Model(contentsOf: Paths.repository("Examples/digits/digits_cnn_bn.onnx"))

  /// Writes `files` and a recipe into a fresh folder; returns the parsed recipe.
  func recipe(_ yaml: String, files: [String: Tensor] = [:]) throws -> RecastYAML.Node {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recast-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, tensor) in files { try NPY.write(tensor, to: folder.appendingPathComponent(name)) }
    let path = folder.appendingPathComponent("recipe.yaml")
    try Data(yaml.utf8).write(to: path)
    return try YAMLReader.parse(contentsOf: path.path)
  }

  func failure(_ yaml: String, files: [String: Tensor] = [:]) throws -> Diagnostic? {
    do {
      _ = try Dataset.load("calibration", from: try recipe(yaml, files: files), model: Self.model.graph)
      return nil
    } catch let error as DiagnosticError {
      return error.diagnostics.first
    }
  }

  func images(_ n: Int, fill: Float = 0.5) -> Tensor {
    Tensor(shape: [n, 1, 8, 8], floats: [Float](repeating: fill, count: n * 64))
  }

  @Test func bundledCalibrationSetLoadsAndBatches() throws {
    let path = Paths.repository("Examples/digits/w8a8_calibrated.yaml").path
    let root = try YAMLReader.parse(contentsOf: path)
    let data = try Dataset.load("calibration", from: root, model: Self.model.graph)
    #expect(data.count == 100)
    let batches = try data.batches(batchSize: 32)
    #expect(batches.map { $0.inputs["input"]?.shape.first } == [32, 32, 32, 4])
    #expect(batches.flatMap(\.indices) == Array(0..<100))
  }

  @Test func startAndSamplesSelectARange() throws {
    var values = [Float](repeating: 0, count: 10 * 64)
    for i in 0..<10 { values[i * 64] = Float(i) }
    let root = try recipe(
      "data:\n  calibration: {inputs: x.npy, start: 3, samples: 4}\n",
      files: ["x.npy": Tensor(shape: [10, 1, 8, 8], floats: values)])
    let data = try Dataset.load("calibration", from: root, model: Self.model.graph)
    #expect(data.count == 4)
    let first = try #require(data.batches().first?.inputs["input"])
    #expect(first.scalars(as: Float.self)[0] == 3)
  }

  @Test func shuffleIsSeededAndCoversEverySample() throws {
    let root = try recipe(
      "data:\n  calibration: {inputs: x.npy, shuffle: true, seed: 7, batch_size: 5}\n", files: ["x.npy": images(20)])
    let data = try Dataset.load("calibration", from: root, model: Self.model.graph)
    let a = try data.batches(epoch: 0).flatMap(\.indices)
    let b = try data.batches(epoch: 0).flatMap(\.indices)
    let c = try data.batches(epoch: 1).flatMap(\.indices)
    #expect(a == b)
    #expect(a != c)
    #expect(a.sorted() == Array(0..<20))
    #expect(a != Array(0..<20))
  }

  @Test func shapeMismatchNamesBothShapes() throws {
    let d = try #require(
      try failure("data:\n  calibration: {inputs: x.npy}\n", files: ["x.npy": Tensor(shape: [4, 1, 7, 8], floats: .init(repeating: 0, count: 224))]))
    #expect(d.id == "data.shape")
    #expect(d.message.contains("[4, 1, 7, 8]"))
    #expect(d.message.contains("[batch, 1, 8, 8]"))
  }

  @Test func nanNamesTheArrayAndSample() throws {
    var values = [Float](repeating: 0, count: 6 * 64)
    values[4 * 64 + 10] = .nan
    let d = try #require(
      try failure("data:\n  calibration: {inputs: x.npy, start: 1}\n", files: ["x.npy": Tensor(shape: [6, 1, 8, 8], floats: values)]))
    #expect(d.id == "data.non-finite")
    #expect(d.message.contains("'input'"))
    #expect(d.message.contains("sample 4"))
  }

  @Test func missingFileNamesThePathWhereTheRecipeSaysIt() throws {
    let d = try #require(try failure("data:\n  calibration: {inputs: nope.npy}\n"))
    #expect(d.id == "data.missing-file")
    #expect(d.span?.start.line == 2)
    #expect(d.message.contains("nope.npy"))
  }

  @Test func unknownInputNameGetsASuggestion() throws {
    let d = try #require(try failure("data:\n  calibration: {inputs: {inptu: x.npy}}\n", files: ["x.npy": images(2)]))
    #expect(d.id == "data.unknown-name")
    #expect(d.help == "did you mean 'input'?")
  }

  @Test func rangeBeyondTheArraysIsAnError() throws {
    let d = try #require(try failure("data:\n  calibration: {inputs: x.npy, start: 2, samples: 5}\n", files: ["x.npy": images(4)]))
    #expect(d.id == "data.range")
    #expect(d.message.contains("hold 4"))
  }

  @Test func wrongDtypeIsAnError() throws {
    let d = try #require(
      try failure("data:\n  calibration: {inputs: x.npy}\n", files: ["x.npy": Tensor(shape: [2, 1, 8, 8], scalars: [Int64](repeating: 0, count: 128), dtype: .int64)]))
    #expect(d.id == "data.dtype")
  }
}
