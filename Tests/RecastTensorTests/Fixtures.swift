import Foundation
import RecastTensor
import TestSupport
import Testing

/// One single-node reference case written by `Fixtures/make_fixtures.py` (onnxruntime's outputs). Tensors
/// are base64-encoded `.npy` files, so reading them also exercises `NPY.decode`.
struct ReferenceCase: Sendable, CustomTestStringConvertible {
  let name: String
  let op: String
  let attrs: [String: AttributeValue]
  let inputs: [String?]
  let outputs: [String]
  let atol: Float
  let rtol: Float

  var testDescription: String { name }
}

/// A JSON attribute value.
enum AttributeValue: Sendable, Decodable {
  case int(Int)
  case float(Float)
  case string(String)
  case ints([Int])
  case floats([Float])
  case tensor(dtype: Int, values: [Double])

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if let i = try? c.decode(Int.self) {
      self = .int(i)
    } else if let f = try? c.decode(Float.self) {
      self = .float(f)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let i = try? c.decode([Int].self) {
      self = .ints(i)
    } else if let f = try? c.decode([Float].self) {
      self = .floats(f)
    } else {
      struct T: Decodable {
        let dtype: Int
        let values: [Double]
      }
      let t = try c.decode(T.self)
      self = .tensor(dtype: t.dtype, values: t.values)
    }
  }
}

extension ReferenceCase: Decodable {
  enum CodingKeys: String, CodingKey { case name, op, attrs, inputs, outputs, atol, rtol }
}

enum Fixtures {
  static let directory = Paths.repository("Tests/RecastTensorTests/Fixtures")

  struct File: Decodable {
    let cases: [ReferenceCase]
    let blobs: [String: String]
  }

  static let file: File? = {
    guard let data = try? Data(contentsOf: directory.appendingPathComponent("cases.json")) else { return nil }
    return try? JSONDecoder().decode(File.self, from: data)
  }()

  static var cases: [ReferenceCase] { file?.cases ?? [] }

  /// Decodes one base64 `.npy` blob.
  static func load(_ base64: String) throws -> Tensor {
    guard let data = Data(base64Encoded: base64) else { throw NPY.Error("bad base64") }
    return try NPY.decode([UInt8](data))
  }

  /// A named extra tensor (codec references).
  static func blob(_ name: String) throws -> Tensor {
    guard let text = file?.blobs[name] else { throw NPY.Error("no fixture blob \(name)") }
    return try load(text)
  }
}

extension ReferenceCase {
  func int(_ key: String, _ fallback: Int) -> Int {
    if case .int(let v) = attrs[key] { return v }
    return fallback
  }

  func float(_ key: String, _ fallback: Float) -> Float {
    switch attrs[key] {
    case .float(let v): v
    case .int(let v): Float(v)
    default: fallback
    }
  }

  func string(_ key: String) -> String? {
    if case .string(let v) = attrs[key] { return v }
    return nil
  }

  func ints(_ key: String) -> [Int]? {
    if case .ints(let v) = attrs[key] { return v }
    return nil
  }
}

/// Expects `actual` to match `expected` in dtype and shape, and elementwise within `|a − e| ≤ atol + rtol·|e|`
/// (NaN matches NaN) for floats, exactly otherwise.
func expectClose(
  _ actual: Tensor, _ expected: Tensor, atol: Float, rtol: Float, _ label: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(actual.dtype == expected.dtype, "\(label): dtype", sourceLocation: sourceLocation)
  #expect(actual.shape == expected.shape, "\(label): shape", sourceLocation: sourceLocation)
  guard actual.dtype == expected.dtype, actual.shape == expected.shape else { return }
  guard expected.dtype == .float32 || expected.dtype == .float64 else {
    #expect(actual.rawBytes == expected.rawBytes, "\(label): values differ", sourceLocation: sourceLocation)
    return
  }
  let a = actual.floats()
  let e = expected.floats()
  var worst = 0
  var worstExcess: Float = 0
  for i in 0..<e.count {
    if a[i].isNaN && e[i].isNaN { continue }
    if a[i] == e[i] { continue }
    let excess = Swift.abs(a[i] - e[i]) - (atol + rtol * Swift.abs(e[i]))
    if !(excess <= 0) && (worstExcess == 0 || excess > worstExcess || excess.isNaN) {
      worst = i
      worstExcess = excess.isNaN ? .infinity : excess
    }
  }
  #expect(
    worstExcess == 0, "\(label): element \(worst) is \(a.isEmpty ? 0 : a[worst]), expected \(e.isEmpty ? 0 : e[worst])",
    sourceLocation: sourceLocation)
}
