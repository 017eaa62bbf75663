import RecastSchema
import Testing

/// Runs the JSON-Schema-Test-Suite (draft 2020-12): every case must pass unless listed in
/// `Fixtures/known-failures.txt`, and every listed case must still fail.
@Suite struct ConformanceTests {
  @Test(arguments: ConformanceSuite.requiredFiles)
  func required(file: String) throws {
    try check(file: file)
  }

  /// The optional suite (not in the copy the fixtures were taken from): runs when its files are added.
  @Test(.enabled(if: !ConformanceSuite.optionalFiles.isEmpty, "the fixtures hold no optional/ tests"))
  func optional() throws {
    for file in ConformanceSuite.optionalFiles { try check(file: file) }
  }

  func check(file: String) throws {
    for outcome in try ConformanceSuite.run(file: file) {
      let known = ConformanceSuite.knownFailures[outcome.id]
      if outcome.passed {
        #expect(known == nil, "listed in known-failures.txt but passes: \(outcome.id)")
      } else {
        #expect(known != nil, "\(outcome.id): \(outcome.detail)")
      }
    }
  }

  /// Prints the pass counts, required and optional separately.
  @Test func summary() throws {
    for (name, files) in [("required", ConformanceSuite.requiredFiles), ("optional", ConformanceSuite.optionalFiles)] {
      var passed = 0
      var total = 0
      for file in files {
        let outcomes = try ConformanceSuite.run(file: file)
        total += outcomes.count
        passed += outcomes.filter(\.passed).count
      }
      if files.isEmpty {
        print("JSON-Schema-Test-Suite draft2020-12 \(name): no test files in the fixtures")
      } else {
        print("JSON-Schema-Test-Suite draft2020-12 \(name): \(passed)/\(total) passed")
      }
    }
    #expect(!ConformanceSuite.requiredFiles.isEmpty)
  }
}
