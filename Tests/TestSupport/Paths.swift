public import Foundation

/// Locations of the repository and of the shared material beside it, for tests.
public enum Paths {
  /// The repository root (the folder holding Package.swift).
  public static let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TestSupport/Paths.swift
    return url
  }()

  /// `../shared` beside the repository, if present (CI and development machines have it; a user's clone may not).
  public static var shared: URL? {
    let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
  }

  /// True when running under CI (`CI=true`), where nothing may be skipped.
  public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

  /// A file under the repository root.
  public static func repository(_ relative: String) -> URL { repositoryRoot.appendingPathComponent(relative) }
}
