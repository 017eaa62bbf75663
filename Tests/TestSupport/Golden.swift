public import Foundation
public import Testing

/// Golden-file comparison: `actual` must equal the file's content. With `RECORD_GOLDEN=1` in the
/// environment the file is rewritten and the check fails, so a recording run is never mistaken for a pass.
public func expectGolden(
  _ actual: String, file golden: URL, sourceLocation: SourceLocation = #_sourceLocation
) {
  if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
    try? FileManager.default.createDirectory(at: golden.deletingLastPathComponent(), withIntermediateDirectories: true)
    try? Data(actual.utf8).write(to: golden)
    Issue.record("recorded \(golden.lastPathComponent); rerun without RECORD_GOLDEN", sourceLocation: sourceLocation)
    return
  }
  guard let data = FileManager.default.contents(atPath: golden.path) else {
    Issue.record("missing golden file \(golden.path); run with RECORD_GOLDEN=1 to create it", sourceLocation: sourceLocation)
    return
  }
  let expected = String(decoding: data, as: UTF8.self)
  #expect(actual == expected, "differs from \(golden.lastPathComponent)", sourceLocation: sourceLocation)
}

/// The files in a folder of the repository whose names end in one of `extensions`, sorted.
public func repositoryFiles(in folder: String, extensions: [String]) -> [String] {
  let url = Paths.repository(folder)
  let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
  return names.filter { name in extensions.contains { name.hasSuffix($0) } }.sorted()
}
