public import Foundation

/// The result of running a program to completion.
public struct ProcessOutput: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// Runs `executable` with `arguments`, capturing stdout and stderr.
public func runProcess(
  _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil
) throws -> ProcessOutput {
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  if let environment { process.environment = environment }
  if let currentDirectory { process.currentDirectoryURL = currentDirectory }
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  // Read both pipes concurrently with the process so large outputs cannot deadlock it.
  nonisolated(unsafe) var errData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errData = err.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  return ProcessOutput(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// The Python interpreter with the test oracles (onnx, onnxruntime, numpy): `RECAST_PYTHON`, else
/// the repository's `.venv`, else nil.
public var oraclePython: URL? {
  if let path = ProcessInfo.processInfo.environment["RECAST_PYTHON"], FileManager.default.isExecutableFile(atPath: path) {
    return URL(fileURLWithPath: path)
  }
  let venv = Paths.repository(".venv/bin/python")
  return FileManager.default.isExecutableFile(atPath: venv.path) ? venv : nil
}

/// The built `recast` executable, beside the test bundle in the build folder.
public var recastExecutable: URL {
  let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for candidate in [bundle, bundle.deletingLastPathComponent()] {
    let url = candidate.appendingPathComponent("recast")
    if FileManager.default.isExecutableFile(atPath: url.path) { return url }
  }
  return Paths.repository(".build/debug/recast")
}
