public import Foundation
public import Testing

/// A new empty folder under the system's temporary directory (`<prefix>-<UUID>`); the caller removes it.
public func makeTemporaryFolder(_ prefix: String = "recast") throws -> URL {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  return folder
}

/// The oracle interpreter, or nil after printing the skip (outside CI) or recording an issue (in CI, where
/// nothing may be skipped).
public func oraclePythonOrSkip(sourceLocation: SourceLocation = #_sourceLocation) -> URL? {
  if let oraclePython { return oraclePython }
  let message = "Python with onnxruntime not found (set RECAST_PYTHON)"
  if Paths.isCI {
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
  } else {
    print("skipped: \(message)")
  }
  return nil
}
