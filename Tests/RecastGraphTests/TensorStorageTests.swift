import Foundation
import RecastGraph
import RecastTensor
import Testing

/// Every `TensorProto` storage form, written by the onnx Python helper (the external oracle for ONNX's packing
/// rules) and read back by Recast.
@Suite("Tensor storage forms")
struct TensorStorageTests {
  /// Builds a model whose graph outputs are initializers, one per data type, stored in the typed fields
  /// (`raw=False`), and saves it to `path`.
  static let typedStorageScript = """
    import sys, onnx
    from onnx import helper, TensorProto as T
    cases = [
        ("f32", T.FLOAT, [1.5, -2.0]), ("f64", T.DOUBLE, [1.5, -2.25]), ("i64", T.INT64, [-5, 2**40]),
        ("u64", T.UINT64, [2**63, 1]), ("u32", T.UINT32, [4000000000, 1]), ("i32", T.INT32, [-7, 9]),
        ("i8", T.INT8, [-3, 4]), ("u8", T.UINT8, [200, 1]), ("i16", T.INT16, [-2, 3]), ("u16", T.UINT16, [65535, 1]),
        ("b", T.BOOL, [True, False]), ("f16", T.FLOAT16, [1.0, -2.0]), ("bf16", T.BFLOAT16, [1.0, -2.0]),
        ("f8", T.FLOAT8E4M3FN, [1.0, -2.0]), ("i4", T.INT4, [1, -2, 3]), ("u4", T.UINT4, [1, 15, 2]),
        ("i2", T.INT2, [1, -2, 0, 1, -1]), ("u2", T.UINT2, [1, 2, 3, 0, 3]),
    ]
    inits = [helper.make_tensor(n, dt, [len(v)], v) for n, dt, v in cases]
    assert not any(t.HasField("raw_data") for t in inits)
    outs = [helper.make_tensor_value_info(n, dt, [len(v)]) for n, dt, v in cases]
    g = helper.make_graph([], "storage", [], outs, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 23)])
    m.ir_version = 11
    onnx.save(m, sys.argv[1])
    """

  @Test("typed fields decode to ONNX raw layout (packed sub-byte types, bit patterns for floats)")
  func typedFields() throws {
    guard Python.available() else { return }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("typed.onnx")
    let made = try Python.run(Self.typedStorageScript, [path.path])
    try #require(made.status == 0, "\(made.output)")
    let model = try Model(contentsOf: path)
    let t = model.graph.initializers
    #expect(t["f32"]?.scalars(as: Float.self) == [1.5, -2.0])
    #expect(t["f64"]?.scalars(as: Double.self) == [1.5, -2.25])
    #expect(t["i64"]?.scalars(as: Int64.self) == [-5, 1 << 40])
    #expect(t["u64"]?.scalars(as: UInt64.self) == [1 << 63, 1])
    #expect(t["u32"]?.scalars(as: UInt32.self) == [4_000_000_000, 1])
    #expect(t["i32"]?.scalars(as: Int32.self) == [-7, 9])
    #expect(t["i8"]?.scalars(as: Int8.self) == [-3, 4])
    #expect(t["u8"]?.rawBytes == [200, 1])
    #expect(t["i16"]?.scalars(as: Int16.self) == [-2, 3])
    #expect(t["u16"]?.scalars(as: UInt16.self) == [65535, 1])
    #expect(t["b"]?.rawBytes == [1, 0])
    #expect(t["f16"]?.scalars(as: UInt16.self) == [0x3C00, 0xC000])
    #expect(t["bf16"]?.scalars(as: UInt16.self) == [0x3F80, 0xC000])
    #expect(t["f8"]?.rawBytes == [0x38, 0xC0])
    #expect(t["i4"]?.rawBytes == [0xE1, 0x03])
    #expect(t["i4"]?.shape == [3])
    #expect(t["u4"]?.rawBytes == [0xF1, 0x02])
    #expect(t["i2"]?.rawBytes == [0x49, 0x03])
    #expect(t["u2"]?.rawBytes == [0x39, 0x03])

    // Exported as raw_data, onnx reads back the same values as from the typed original.
    let exported = folder.file("raw.onnx")
    try model.write(to: exported)
    let compared = try Python.run(
      """
      import sys, onnx, numpy as np
      from onnx import numpy_helper
      a = {t.name: t for t in onnx.load(sys.argv[1]).graph.initializer}
      b = {t.name: t for t in onnx.load(sys.argv[2]).graph.initializer}
      assert a.keys() == b.keys()
      for name in a:
          assert b[name].HasField("raw_data"), name
          x, y = numpy_helper.to_array(a[name]), numpy_helper.to_array(b[name])
          assert x.dtype == y.dtype and x.shape == y.shape, name
          assert (x.astype(np.float64) == y.astype(np.float64)).all(), name
      print("ok", len(a))
      """, [path.path, exported.path])
    #expect(compared.status == 0, "\(compared.output)")
    #expect(compared.output.contains("ok 18"))
  }

  @Test("external data is read from side files; a missing side file names the tensor and the file")
  func externalData() throws {
    guard Python.available() else { return }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("external.onnx")
    let made = try Python.run(
      """
      import sys, onnx, numpy as np
      from onnx import helper, numpy_helper, TensorProto as T
      w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "weight")
      b = numpy_helper.from_array(np.array([1, 2, 3], dtype=np.int64), "bias")
      x = helper.make_tensor_value_info("x", T.FLOAT, ["batch", 3])
      y = helper.make_tensor_value_info("y", T.FLOAT, ["batch", 4])
      g = helper.make_graph([helper.make_node("MatMul", ["x", "weight"], ["y"], name="mm")], "ext", [x], [y],
                            initializer=[w, b])
      m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
      onnx.save_model(m, sys.argv[1], save_as_external_data=True, all_tensors_to_one_file=True,
                      location="weights.bin", size_threshold=0)
      """, [path.path])
    try #require(made.status == 0, "\(made.output)")
    let model = try Model(contentsOf: path)
    #expect(model.graph.initializers["weight"]?.scalars(as: Float.self) == (0..<12).map { Float($0) })
    #expect(model.graph.initializers["weight"]?.shape == [3, 4])
    #expect(model.graph.initializers["bias"]?.scalars(as: Int64.self) == [1, 2, 3])

    // Bytes alone cannot resolve a side file.
    let bytes = [UInt8](try Data(contentsOf: path))
    #expect(throws: GraphError.self) { try Model(serializedBytes: bytes) }

    try FileManager.default.removeItem(at: folder.file("weights.bin"))
    let error = try #require(throws: GraphError.self) { try Model(contentsOf: path) }
    #expect(error.kind == .externalData)
    #expect(error.description.contains("'weight'"))
    #expect(error.description.contains("weights.bin"))
  }
}
