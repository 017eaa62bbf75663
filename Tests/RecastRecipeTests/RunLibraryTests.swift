import Foundation
import RecastDiagnostics
import RecastYAML
import TestSupport
import Testing

@testable import RecastRecipe

/// The pieces of `recast run` below the CLI: digests, overrides, the output transaction, the runner's
/// cancellation, lock differences and preset conflicts.
@Suite struct RunLibraryTests {
  let digitsRecipe = Paths.repository("Examples/digits/w8a8_calibrated.yaml").path

  func temporaryFolder() throws -> URL { try makeTemporaryFolder("recast-run") }

  /// FIPS 180-4 test vectors (one block, two blocks, a million 'a's across many updates).
  @Test func sha256MatchesTheStandardVectors() {
    #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    var hasher = SHA256()
    let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
    for _ in 0..<1001 { hasher.update(chunk) }
    hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000 - 999 * 1001))
    #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func overridesReplaceCreateAndIndex() throws {
    let root = try YAMLReader.parse("a: {b: 1}\nlist: [{x: 1}, {x: 2}]\n", file: "r.yaml")
    var node = try RecipeOverride(parsing: "a.b=[1, 2]").apply(to: root)
    #expect(node["a"]?["b"]?.sequence?.count == 2)
    node = try RecipeOverride(parsing: "a.c.d=true").apply(to: node)
    #expect(node["a"]?["c"]?["d"]?.scalar?.value == .bool(true))
    node = try RecipeOverride(parsing: "list.1.x=hello").apply(to: node)
    #expect(node["list"]?.sequence?[1]["x"]?.string == "hello")
    #expect(node["list"]?.sequence?[1]["x"]?.span.file == RecipeOverride.fileLabel)
    node = try RecipeOverride(parsing: "name=").apply(to: node)
    #expect(node["name"]?.string == "")

    #expect(throws: DiagnosticError.self) { try RecipeOverride(parsing: "no-equals") }
    #expect(throws: DiagnosticError.self) { try RecipeOverride(parsing: "a..b=1") }
    #expect(throws: DiagnosticError.self) { try RecipeOverride(parsing: "list.5.x=1").apply(to: root) }
    #expect(throws: DiagnosticError.self) { try RecipeOverride(parsing: "a.b.c=1").apply(to: root) }
  }

  /// A failed write removes every temporary and leaves the outputs that existed as they were.
  @Test func outputTransactionIsAllOrNothing() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let first = folder.appendingPathComponent("model.onnx")
    try Data("old".utf8).write(to: first)
    let blocker = folder.appendingPathComponent("blocker")
    try Data().write(to: blocker)
    var transaction = OutputTransaction()
    try transaction.stage(Array("new".utf8), to: first)
    #expect(throws: DiagnosticError.self) {
      try transaction.stage(Array("report".utf8), to: blocker.appendingPathComponent("report.md"))
    }
    #expect(try String(contentsOf: first, encoding: .utf8) == "old")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(leftovers == ["blocker", "model.onnx"])

    var second = OutputTransaction()
    try second.stage(Array("new".utf8), to: first)
    try second.stage(Array("lock".utf8), to: folder.appendingPathComponent("sub/recipe.lock.yaml"))
    try second.commit()
    #expect(try String(contentsOf: first, encoding: .utf8) == "new")
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("sub/recipe.lock.yaml").path))
  }

  /// Cancelling mid-calibration throws `RunInterrupted` and writes nothing.
  @Test func cancellationStopsBeforeAnyOutput() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let setup = try RunSetup(
      file: digitsRecipe, configuration: RunConfiguration(outputDirectory: folder.path, version: "test"))
    var progressEvents = 0
    let runner = RecipeRunner(
      setup: setup,
      events: { event in if case .progress = event { progressEvents += 1 } },
      isCancelled: { progressEvents >= 2 })
    #expect(throws: RunInterrupted.self) { try runner.run() }
    #expect(progressEvents == 2)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
  }

  /// The lock records every input; a changed data file, a changed override, a new input are each named.
  @Test func lockDifferencesNameWhatChanged() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let digits = Paths.repository("Examples/digits")
    for file in ["digits_cnn_bn.onnx", "digits_calib_x.npy", "digits_test_x.npy", "digits_test_y.npy", "w8a8_calibrated.yaml"] {
      try FileManager.default.copyItem(at: digits.appendingPathComponent(file), to: folder.appendingPathComponent(file))
    }
    let recipe = folder.appendingPathComponent("w8a8_calibrated.yaml").path
    let setup = try RunSetup(file: recipe, configuration: RunConfiguration(version: "test"))
    let lockURL = folder.appendingPathComponent("recipe.lock.yaml")
    let text = try LockFile.render(setup: setup, outputName: "m.onnx", outputDigest: "00", lockURL: lockURL)
    try Data(text.utf8).write(to: lockURL)
    #expect(try LockFile.differences(lock: lockURL.path, setup: setup).isEmpty)
    #expect(text.contains("recipe_path: \"w8a8_calibrated.yaml\""))

    // Same recipe, one data file changed.
    var bytes = try Data(contentsOf: folder.appendingPathComponent("digits_calib_x.npy"))
    bytes[bytes.count - 1] ^= 0x01
    try bytes.write(to: folder.appendingPathComponent("digits_calib_x.npy"))
    let changed = try LockFile.differences(lock: lockURL.path, setup: RunSetup(file: recipe, configuration: RunConfiguration(version: "test")))
    #expect(changed.count == 1)
    #expect(changed.first?.contains("data calibration.inputs 'digits_calib_x.npy' changed") == true, "\(changed)")

    let overridden = try RunSetup(
      file: recipe,
      configuration: RunConfiguration(overrides: [RecipeOverride(parsing: "data.calibration.samples=10")], version: "test"))
    let differences = try LockFile.differences(lock: lockURL.path, setup: overridden)
    #expect(differences.contains { $0.hasPrefix("overrides:") }, "\(differences)")
  }

  /// Two preset directories defining one name differently: resolution fails naming both files.
  @Test func conflictingPresetDefinitionsNameBothFiles() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    for team in ["a", "b"] {
      try FileManager.default.createDirectory(at: folder.appendingPathComponent(team), withIntermediateDirectories: true)
    }
    try Data("quantization_config: {execution_mode: graph}\n".utf8).write(to: folder.appendingPathComponent("a/team.yaml"))
    try Data("quantization_config: {execution_mode: eager}\n".utf8).write(to: folder.appendingPathComponent("b/team.yaml"))
    let recipe = folder.appendingPathComponent("r.yaml")
    try Data("extends: [team]\nquantization_config: {}\n".utf8).write(to: recipe)
    let library = PresetLibrary(directories: [folder.appendingPathComponent("a").path, folder.appendingPathComponent("b").path], environment: [:])
    let root = try YAMLReader.parse(contentsOf: recipe.path)
    let result = PresetResolver(library: library).resolve(root, file: recipe.path)
    #expect(result.node == nil)
    let message = result.diagnostics.first { $0.id == "preset.conflict" }?.message ?? ""
    #expect(message.contains("a/team.yaml") && message.contains("b/team.yaml"), "\(result.diagnostics)")

    // Identical copies are not a conflict.
    try Data("quantization_config: {execution_mode: graph}\n".utf8).write(to: folder.appendingPathComponent("b/team.yaml"))
    #expect(PresetResolver(library: library).resolve(root, file: recipe.path).node != nil)
  }
}
