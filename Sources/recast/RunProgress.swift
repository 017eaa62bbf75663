import Foundation
import RecastDiagnostics
import RecastRecipe

/// Renders run events: a progress bar on a terminal, plain periodic lines otherwise, JSON lines for machines,
/// or nothing.
final class ProgressPrinter {
  enum Mode { case text, json, quiet }

  private let mode: Mode
  private let terminal = isatty(STDERR_FILENO) != 0
  private var lineOpen = false
  /// The last progress step printed per stage, so plain output prints about every 10%.
  private var lastDecile: [Int: Int] = [:]

  init(mode: Mode) { self.mode = mode }

  func handle(_ event: RunEvent) {
    switch mode {
    case .quiet: return
    case .json: json(event)
    case .text: text(event)
    }
  }

  /// Ends an open progress line.
  func finishLine() {
    if lineOpen {
      FileHandle.standardError.write(Data("\n".utf8))
      lineOpen = false
    }
  }

  private func text(_ event: RunEvent) {
    switch event {
    case .stageStarted(let step, let count):
      finishLine()
      write("[\(step.index + 1)/\(count)] \(step.kind.rawValue)\n")
    case .progress(let step, let done, let total):
      guard total > 0 else { return }
      if terminal {
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        write("\r      [\(bar)] \(done)/\(total) samples")
        lineOpen = true
      } else {
        let decile = 10 * done / total
        if decile > (lastDecile[step.index] ?? 0) || done == total && lastDecile[step.index] != 10 {
          lastDecile[step.index] = decile
          write("      \(done)/\(total) samples\n")
        }
      }
    case .stageFinished(_, let seconds, let summary):
      finishLine()
      write("      \(summary) (\(String(format: "%.2f", seconds)) s)\n")
    case .wrote:
      break
    }
  }

  private func json(_ event: RunEvent) {
    switch event {
    case .stageStarted(let step, let count):
      emit(.object([("event", .string("stage_started")), ("stage", .string(step.kind.rawValue)), ("index", .int(step.index)), ("count", .int(count))]))
    case .progress(let step, let done, let total):
      emit(.object([("event", .string("progress")), ("stage", .string(step.kind.rawValue)), ("index", .int(step.index)), ("done", .int(done)), ("total", .int(total))]))
    case .stageFinished(let step, let seconds, let summary):
      emit(.object([("event", .string("stage_finished")), ("stage", .string(step.kind.rawValue)), ("index", .int(step.index)), ("seconds", .double(seconds)), ("summary", .string(summary))]))
    case .wrote(let url, let bytes):
      emit(.object([("event", .string("wrote")), ("path", .string(relative(url))), ("bytes", .int(bytes))]))
    }
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}
