import Foundation
import RecastGraph
import RecastTensor
import TestSupport
import Testing

/// Executor behaviour on small graphs: input checks, error messages, observation, `If` and NPZ round trips.
@Suite struct ExecutorTests {
  let executor = try! Executor(GraphFixtures.linearRelu())
  let x = Tensor(shape: [2, 3], floats: [1, 0, 0, 0, 1, -1])

  @Test func runsAndObservesEveryComputedValue() throws {
    var seen: [String] = []
    let outputs = try executor.run(["x": x]) { name, _ in seen.append(name) }
    #expect(outputs["y"]?.scalars(as: Float.self) == [1.5, 3.5, 0, 0])
    #expect(seen == ["h", "y"])
    #expect(executor.computedValues == ["h", "y"])
    let (_, observed) = try executor.run(["x": x], observing: ["h", "W"])
    #expect(observed["h"]?.scalars(as: Float.self) == [1.5, 3.5, -0.5, -1.5])
    #expect(observed["W"]?.shape == [2, 3])
  }

  @Test func inputErrorsNameTheInput() {
    #expect(throws: ExecutorError(.missingInput, "input 'x' is missing (expected x: float [batch, 3])")) {
      try executor.run([:])
    }
    #expect(throws: ExecutorError(.unexpectedInput, "'z' is not an input of the graph (inputs: x)")) {
      try executor.run(["x": x, "z": x])
    }
    #expect(throws: ExecutorError(.inputType, "input 'x' must be float; found int64 [2, 3]")) {
      try executor.run(["x": Tensor(shape: [2, 3], scalars: [Int64](repeating: 0, count: 6), dtype: .int64)])
    }
    #expect(throws: ExecutorError(.inputShape, "input 'x' must have shape [batch, 3]; found [2, 4] (axis 1)")) {
      try executor.run(["x": Tensor(zeros: .float32, shape: [2, 4])])
    }
  }

  @Test func symbolicDimensionsBindAcrossInputs() throws {
    let graph = Graph(
      nodes: [Node(opType: "Add", inputs: ["a", "b"], outputs: ["c"])],
      inputs: [
        ValueInfo(name: "a", elementType: .float32, shape: ["batch", 2]),
        ValueInfo(name: "b", elementType: .float32, shape: ["batch", 2]),
      ],
      outputs: [ValueInfo(name: "c")])
    let add = try Executor(graph: graph, opset: 17)
    #expect(
      throws: ExecutorError(
        .inputShape, "input 'b' has batch = 3 on axis 0, but input 'a' bound batch = 2")
    ) {
      try add.run(["a": Tensor(zeros: .float32, shape: [2, 2]), "b": Tensor(zeros: .float32, shape: [3, 2])])
    }
  }

  @Test func checkFiniteNamesTheFirstBadElement() {
    var checking = executor
    checking.options.checkFinite = true
    let bad = Tensor(shape: [2, 3], floats: [0, 0, 0, 0, .infinity, .nan])
    #expect(throws: ExecutorError(.nonFinite, "input 'x' holds inf at index [1, 1] (flat 4) of shape [2, 3]")) {
      try checking.run(["x": bad])
    }
  }

  @Test func unsupportedOpNamesNodeOpsetAndSupportedOps() throws {
    let graph = Graph(
      nodes: [Node(name: "/s", opType: "Scan", inputs: ["x"], outputs: ["y"])],
      inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")])
    do {
      _ = try Executor(graph: graph, opset: 17)
      Issue.record("expected an error")
    } catch {
      #expect(error.kind == .unsupportedOp)
      #expect(error.message.hasPrefix("node '/s' (Scan): op Scan at opset 17 is not supported; supported ops: "))
      #expect(error.message.contains("Conv (1–25)"))
    }
    let old = Graph(
      nodes: [Node(opType: "Slice", inputs: ["x"], outputs: ["y"])], inputs: [ValueInfo(name: "x")],
      outputs: [ValueInfo(name: "y")])
    #expect(throws: ExecutorError.self) { try Executor(graph: old, opset: 9) }
  }

  @Test func kernelErrorsNameTheNode() throws {
    let graph = Graph(
      nodes: [Node(name: "/mm", opType: "MatMul", inputs: ["a", "b"], outputs: ["c"])],
      inputs: [ValueInfo(name: "a"), ValueInfo(name: "b")], outputs: [ValueInfo(name: "c")])
    let matmul = try Executor(graph: graph, opset: 17)
    do {
      _ = try matmul.run(["a": Tensor(zeros: .float32, shape: [2, 3]), "b": Tensor(zeros: .float32, shape: [4, 5])])
      Issue.record("expected an error")
    } catch {
      #expect(error.kind == .kernel)
      #expect(error.message.hasPrefix("node '/mm' (MatMul): "))
    }
  }

  @Test func ifBranchesReadOuterValues() throws {
    let scale = Tensor(shape: [], floats: [10])
    let thenBranch = Graph(
      name: "then", nodes: [Node(opType: "Mul", inputs: ["x", "k"], outputs: ["t"])], outputs: [ValueInfo(name: "t")])
    let elseBranch = Graph(
      name: "else", nodes: [Node(opType: "Neg", inputs: ["x"], outputs: ["e"])], outputs: [ValueInfo(name: "e")])
    let graph = Graph(
      nodes: [
        Node(
          opType: "If", inputs: ["c"], outputs: ["y"],
          attributes: ["then_branch": .graph(thenBranch), "else_branch": .graph(elseBranch)])
      ],
      inputs: [ValueInfo(name: "c", elementType: .bool, shape: []), ValueInfo(name: "x", elementType: .float32)],
      outputs: [ValueInfo(name: "y")], initializers: ["k": scale])
    let branching = try Executor(graph: graph, opset: 17)
    let x = Tensor(shape: [2], floats: [1, 2])
    let yes = Tensor(shape: [], scalars: [UInt8(1)], dtype: .bool)
    let no = Tensor(shape: [], scalars: [UInt8(0)], dtype: .bool)
    #expect(try branching.run(["c": yes, "x": x])["y"]?.scalars(as: Float.self) == [10, 20])
    #expect(try branching.run(["c": no, "x": x])["y"]?.scalars(as: Float.self) == [-1, -2])
  }

  @Test func constantSubgraphsAreFolded() throws {
    let graph = Graph(
      nodes: [
        Node(opType: "Constant", outputs: ["two"], attributes: ["value_float": .float(2)]),
        Node(opType: "Mul", inputs: ["two", "two"], outputs: ["four"]),
        Node(opType: "Mul", inputs: ["x", "four"], outputs: ["y"]),
      ],
      inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")])
    let folded = try Executor(graph: graph, opset: 17)
    #expect(folded.computedValues == ["y"])
    #expect(try folded.run(["x": Tensor(shape: [1], floats: [3])])["y"]?.scalars(as: Float.self) == [12])
  }

  @Test func npzRoundTrips() throws {
    let arrays: [(name: String, tensor: Tensor)] = [
      ("a", Tensor(shape: [2, 2], floats: [1, 2, 3, 4])),
      ("b", Tensor(shape: [3], scalars: [Int64(7), 8, 9], dtype: .int64)),
    ]
    let decoded = try NPZ.decode(try NPZ.encode(arrays))
    #expect(decoded.map(\.name) == ["a", "b"])
    #expect(decoded.map(\.tensor) == arrays.map(\.tensor))
    #expect(throws: (any Error).self) { try NPZ.decode([1, 2, 3]) }
  }

  /// `np.savez_compressed` output (deflated entries), written by numpy itself, reads back exactly.
  @Test func compressedNPZFromNumpyReads() throws {
    guard let python = oraclePythonOrSkip() else { return }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("recast-\(UUID().uuidString).npz")
    defer { try? FileManager.default.removeItem(at: url) }
    let script = """
      import sys, numpy as np
      np.savez_compressed(sys.argv[1], x=np.arange(6000, dtype=np.float32).reshape(60, 100) / 7,
                          ids=np.array([[1, 2], [3, 4]], dtype=np.int64))
      """
    let made = try runProcess(python, ["-c", script, url.path])
    #expect(made.status == 0, "\(made.stderr)")
    let arrays = try NPZ.read(contentsOf: url)
    #expect(arrays.map(\.name) == ["x", "ids"])
    #expect(arrays[0].tensor.shape == [60, 100])
    #expect(arrays[0].tensor.scalars(as: Float.self) == (0..<6000).map { Float($0) / 7 })
    #expect(arrays[1].tensor.scalars(as: Int64.self) == [1, 2, 3, 4])
  }
}
