import ArgumentParser
import Foundation
import RecastDiagnostics
import RecastGraph
import RecastQuantization
import RecastRecipe
import Synchronization

/// Set by SIGINT; the runner checks it between batches and stages.
private let interrupted = Atomic<Bool>(false)

/// `recast run RECIPE`: execute a recipe's stages and write the quantized model, lock file and report.
struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a recipe: prepare, calibrate, evaluate, train, finalize and export a quantized model.",
    discussion: """
      The recipe is linted against its model first (errors stop the run, nothing is computed), every data
      set a stage reads is loaded and checked against the model's inputs, and output paths are checked for
      writability. Outputs (model, recipe.lock.yaml, report) are written together at the export stage,
      through temporary files renamed into place: an interrupted or failed run leaves existing outputs intact.
      Exit codes: 0 success, 1 errors or a failed expectation, 64 usage error, 130 interrupted.
      """
  )

  enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

  @Argument(help: "The recipe to run (optional with --locked: the lock names it).")
  var recipe: String?

  @Option(name: .customLong("set"), help: "Override a recipe value: path.to.key=value (YAML value; repeatable).")
  var overrides: [String] = []

  @Flag(help: "Lint, resolve presets, load the data and print the plan without computing anything.")
  var dryRun = false

  @Option(help: "Refuse to run when any digest in this recipe.lock.yaml differs (recipe, presets, model, data).")
  var locked: String?

  @Option(name: .customLong("output-dir"), help: "Resolve relative export paths against this folder instead of the recipe's.")
  var outputDir: String?

  @Option(name: .customLong("preset-path"), help: "A directory of presets for 'extends' (repeatable; searched before RECAST_PRESET_PATH).")
  var presetPath: [String] = []

  @Flag(help: "Print nothing but errors.")
  var quiet = false

  @Option(help: "Progress and result output: text, or json (one JSON object per line on stdout).")
  var logFormat: LogFormat = .text

  @Option(help: "Colour diagnostics: auto (on a terminal), always, never.")
  var color: ColorChoice = .auto

  func validate() throws {
    if recipe == nil && locked == nil { throw ValidationError("give a recipe to run (or --locked LOCK)") }
  }

  func run() throws {
    let file = try recipe ?? recipeFromLock()
    let setup: RunSetup
    do {
      let configuration = RunConfiguration(
        presetDirectories: presetPath, overrides: try overrides.map(RecipeOverride.init(parsing:)),
        outputDirectory: outputDir, version: Recast.version)
      setup = try RunSetup(file: file, configuration: configuration)
    } catch {
      fail(error.diagnostics, file: file)
    }
    if !quiet { render(setup.warnings, setup: setup) }
    if let locked {
      let differences: [String]
      do {
        differences = try LockFile.differences(lock: locked, setup: setup)
      } catch {
        fail(error.diagnostics, file: file)
      }
      if !differences.isEmpty {
        let lines = differences.map { "  \($0)" }.joined(separator: "\n")
        FileHandle.standardError.write(
          Data("recast: refusing to run: the inputs differ from \(locked):\n\(lines)\n".utf8))
        throw ExitCode(1)
      }
    }
    if dryRun {
      if logFormat == .json {
        emit(.object([("event", .string("plan")), ("text", .string(RunPlanText.render(setup)))]))
      } else {
        print(RunPlanText.render(setup), terminator: "")
        print("nothing computed (--dry-run)")
      }
      return
    }

    // Ctrl-C sets a flag the runner checks between batches and stages; the signal is unblocked in case the
    // parent process started Recast with it blocked.
    signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    let progress = ProgressPrinter(mode: quiet ? .quiet : logFormat == .json ? .json : .text)
    let runner = RecipeRunner(
      setup: setup, events: { progress.handle($0) }, isCancelled: { interrupted.load(ordering: .relaxed) })
    let result: RunResult
    do {
      result = try runner.run()
    } catch is RunInterrupted {
      progress.finishLine()
      FileHandle.standardError.write(Data("recast: interrupted; no output was written or changed\n".utf8))
      throw ExitCode(130)
    } catch let error as DiagnosticError {
      progress.finishLine()
      fail(error.diagnostics, file: file, text: setup.text)
    }
    progress.finishLine()
    summarize(result)
    if !result.passed { throw ExitCode(1) }
  }

  // MARK: - Output

  private func summarize(_ result: RunResult) {
    if logFormat == .json {
      for expectation in result.expectations {
        emit(
          .object([
            ("event", .string("expect")), ("metric", .string(expectation.expectation.metric)),
            ("expected", .string(expectation.expectation.text)),
            ("actual", expectation.actual.map { .double($0) } ?? .null), ("passed", .bool(expectation.passed)),
          ]))
      }
      emit(.object([("event", .string("done")), ("passed", .bool(result.passed))]))
      return
    }
    var lines: [String] = []
    for move in result.rangeMoves {
      lines.append(
        "note: activation '\(move.value)' (#\(move.quantizer)): calibration moved its range "
          + String(format: "%.2fx", move.factor) + " from the example-input seed")
    }
    for expectation in result.expectations {
      let actual = expectation.actual.map { String(format: "%.6g", $0) } ?? "not measured"
      lines.append(
        "expect \(expectation.expectation.metric) \(expectation.expectation.text): \(actual) "
          + (expectation.passed ? "ok" : "FAILED"))
    }
    if quiet {
      let failed = lines.filter { $0.hasSuffix("FAILED") }
      if !failed.isEmpty { FileHandle.standardError.write(Data((failed.joined(separator: "\n") + "\n").utf8)) }
      return
    }
    for url in result.written { lines.append("wrote \(relative(url))") }
    if !lines.isEmpty { print(lines.joined(separator: "\n")) }
  }

  private func render(_ diagnostics: [Diagnostic], setup: RunSetup) {
    guard !diagnostics.isEmpty else { return }
    let renderer = DiagnosticRenderer(sources: setup.text.map { [setup.file: $0] } ?? [:], color: useColor)
    FileHandle.standardError.write(Data(renderer.render(diagnostics, format: .text).utf8))
  }

  private func fail(_ diagnostics: [Diagnostic], file: String, text: String? = nil) -> Never {
    let source = text ?? FileManager.default.contents(atPath: file).map { String(decoding: $0, as: UTF8.self) }
    let renderer = DiagnosticRenderer(sources: source.map { [file: $0] } ?? [:], color: useColor)
    FileHandle.standardError.write(Data(renderer.render(diagnostics, format: .text).utf8))
    let errors = diagnostics.filter { $0.severity == .error }.count
    FileHandle.standardError.write(Data("recast: run stopped: \(plural(errors, "error")); nothing was written\n".utf8))
    Run.exit(withError: ExitCode(1))
  }

  private var useColor: Bool {
    switch color {
    case .always: true
    case .never: false
    case .auto: isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
  }

  private func recipeFromLock() throws -> String {
    guard let locked else { throw ValidationError("give a recipe to run") }
    guard let text = FileManager.default.contents(atPath: locked).map({ String(decoding: $0, as: UTF8.self) }),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("recipe_path: ") })
    else {
      throw ValidationError("'\(locked)' names no recipe; give the recipe as an argument")
    }
    let path = line.dropFirst("recipe_path: ".count).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
    let folder = (locked as NSString).deletingLastPathComponent
    return path.hasPrefix("/") || folder.isEmpty ? path : "\(folder)/\(path)"
  }
}

func relative(_ url: URL) -> String {
  let cwd = FileManager.default.currentDirectoryPath + "/"
  return url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path
}

func emit(_ value: JSONWriter.Value) {
  FileHandle.standardOutput.write(Data((JSONWriter.render(value) + "\n").utf8))
}
