public import Foundation
public import RecastDiagnostics

/// The files the export stage writes, resolved and checked for writability before any compute.
public struct RunOutputs: Sendable {
  public var model: URL
  /// `PREFIX` of `PREFIX.md`, `PREFIX.json`, `PREFIX.svg`, when a report is asked for.
  public var reportPrefix: URL?
  /// `recipe.lock.yaml` beside the model, unless `lock: false`.
  public var lock: URL?

  /// Nil when the recipe has no export stage.
  init?(steps: [RunStep], file: String, configuration: RunConfiguration, modelFile: URL) throws(DiagnosticError) {
    guard let export = steps.last(where: { $0.kind == .export }) else { return nil }
    let base =
      configuration.outputDirectory.map { URL(fileURLWithPath: $0) }
      ?? URL(fileURLWithPath: file).deletingLastPathComponent()
    func resolve(_ path: String) -> URL {
      path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path).standardizedFileURL
    }
    guard let path = export.string("path") else {
      throw DiagnosticError(.error("schema.required", "\(export.label) needs 'path'", at: export.span))
    }
    model = resolve(path)
    if model.standardizedFileURL.path == modelFile.standardizedFileURL.path {
      throw DiagnosticError(
        .error("run.output", "\(export.label) would overwrite the input model '\(path)'", at: export.span("path")))
    }
    reportPrefix = export.string("report").map(resolve)
    lock = export.bool("lock") == false ? nil : model.deletingLastPathComponent().appendingPathComponent("recipe.lock.yaml")
    for url in [model, reportPrefix, lock].compactMap({ $0 }) {
      try Self.checkWritable(url, span: export.span("path"))
    }
  }

  /// The nearest existing ancestor folder must be a writable folder; an existing file must be writable.
  static func checkWritable(_ url: URL, span: SourceSpan) throws(DiagnosticError) {
    let manager = FileManager.default
    var isFolder: ObjCBool = false
    if manager.fileExists(atPath: url.path, isDirectory: &isFolder) {
      if isFolder.boolValue {
        throw DiagnosticError(.error("run.output", "output '\(url.path)' is a folder", at: span))
      }
      if !manager.isWritableFile(atPath: url.path) {
        throw DiagnosticError(.error("run.output", "output '\(url.path)' exists and is not writable", at: span))
      }
    }
    var folder = url.deletingLastPathComponent()
    while !manager.fileExists(atPath: folder.path, isDirectory: &isFolder) {
      let parent = folder.deletingLastPathComponent()
      if parent.path == folder.path { break }
      folder = parent
    }
    guard isFolder.boolValue else {
      throw DiagnosticError(
        .error("run.output", "cannot write '\(url.path)': '\(folder.path)' is a file, not a folder", at: span))
    }
    guard manager.isWritableFile(atPath: folder.path) else {
      throw DiagnosticError(
        .error("run.output", "cannot write '\(url.path)': folder '\(folder.path)' is not writable", at: span))
    }
  }
}

/// Writes a set of files so that either all of them are replaced or none is: each is written to a temporary
/// file in its target folder first; only when every write succeeded are they renamed into place. A failure
/// (disk full, permissions) removes the temporaries and leaves existing outputs as they were.
public struct OutputTransaction {
  private var staged: [(temporary: URL, target: URL)] = []

  public init() {}

  public mutating func stage(_ bytes: [UInt8], to target: URL) throws(DiagnosticError) {
    let folder = target.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      rollback()
      throw DiagnosticError(.error("run.output", "cannot create folder '\(folder.path)': \(Self.reason(error))", at: nil))
    }
    let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
    do {
      try Data(bytes).write(to: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      rollback()
      throw DiagnosticError(
        .error("run.output", "cannot write '\(target.path)': \(Self.reason(error)); no output was changed", at: nil))
    }
    staged.append((temporary, target))
  }

  /// Renames every staged file into place.
  public mutating func commit() throws(DiagnosticError) {
    for (index, file) in staged.enumerated() {
      guard rename(file.temporary.path, file.target.path) == 0 else {
        let message = String(cString: strerror(errno))
        for rest in staged[index...] { try? FileManager.default.removeItem(at: rest.temporary) }
        staged = []
        throw DiagnosticError(.error("run.output", "cannot rename into '\(file.target.path)': \(message)", at: nil))
      }
    }
    staged = []
  }

  /// Removes every staged temporary file.
  public mutating func rollback() {
    for file in staged { try? FileManager.default.removeItem(at: file.temporary) }
    staged = []
  }

  private static func reason(_ error: any Error) -> String {
    switch (error as? CocoaError)?.code {
    case .fileWriteOutOfSpace?: return "the disk is full (no space left on device)"
    case .fileWriteNoPermission?: return "permission denied"
    case .fileWriteVolumeReadOnly?: return "the file system is read-only"
    default: break
    }
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code))
    {
      return String(cString: strerror(code.rawValue))
    }
    return nsError.localizedDescription
  }
}
