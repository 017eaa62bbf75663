import Foundation
import TestSupport
import Testing

/// The Python oracle (onnx, onnxruntime, numpy): `RECAST_PYTHON`, else `.venv/bin/python` at the repository root,
/// else `python3`.
enum Python {
  static let executable: String = {
    if let path = ProcessInfo.processInfo.environment["RECAST_PYTHON"], !path.isEmpty { return path }
    let venv = Paths.repository(".venv/bin/python").path
    if FileManager.default.isExecutableFile(atPath: venv) { return venv }
    return "/usr/bin/env"
  }()

  /// Whether the interpreter can import onnx. Outside CI a missing oracle skips; in CI it fails.
  static let hasONNX: Bool = (try? run("import onnx").status) == 0

  static func available(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    if hasONNX { return true }
    let message = "Python with onnx not found (set RECAST_PYTHON or run Scripts/bootstrap.sh --python)"
    if Paths.isCI {
      Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    } else {
      print("skipped: \(message)")
    }
    return false
  }

  /// Runs `script` with `arguments` (as `sys.argv[1:]`); returns the exit status and combined output.
  static func run(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    let prefix = executable == "/usr/bin/env" ? ["python3"] : []
    process.arguments = prefix + ["-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryFolder {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("recast-graph-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func file(_ name: String) -> URL { url.appendingPathComponent(name) }
  func remove() { try? FileManager.default.removeItem(at: url) }
}
