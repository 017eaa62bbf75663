import Foundation
import TestSupport
import Testing

/// The real models in `../shared/models`, with the facts `manifest.json` records about them.
enum SharedModels {
  /// Every ONNX model the shared folder holds (README.md, "The models").
  static let names = [
    "digits_cnn.onnx", "digits_cnn_bn.onnx", "digits_cnn.dynamo.onnx", "digits_cnn_bn.dynamo.onnx",
    "digits_cnn.ort_int8_qdq.onnx", "digits_cnn_bn.ort_int8_qdq.onnx", "resnet18_random_bn.onnx",
    "minilm_l6_v2.onnx",
  ]

  /// The digits models (small, fast): the float exports and onnxruntime's QDQ versions.
  static let digits = names.filter { $0.hasPrefix("digits") }

  static var folder: URL? { Paths.shared?.appendingPathComponent("models") }

  /// The model file, or `nil` after noting the skip (outside CI) or recording an issue (in CI) when it is absent.
  static func url(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> URL? {
    if let folder, FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
      return folder.appendingPathComponent(name)
    }
    let message = "missing ../shared/models/\(name)"
    if Paths.isCI {
      Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    } else {
      print("skipped: \(message)")
    }
    return nil
  }

  /// One model's entry in `manifest.json`.
  struct Entry {
    var ops: [String: Int]
    var nodes: Int
    var initializers: Int
    var inputs: [(name: String, shape: [String])]
    var outputs: [(name: String, shape: [String])]
  }

  static func manifest(_ name: String) throws -> Entry? {
    guard let folder else { return nil }
    let data = try Data(contentsOf: folder.appendingPathComponent("manifest.json"))
    let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    guard let entry = root?[name] as? [String: Any] else { return nil }
    func values(_ key: String) -> [(name: String, shape: [String])] {
      (entry[key] as? [[String: Any]] ?? []).map { value in
        (value["name"] as? String ?? "", (value["shape"] as? [Any] ?? []).map { "\($0)" })
      }
    }
    return Entry(
      ops: entry["ops"] as? [String: Int] ?? [:], nodes: entry["nodes"] as? Int ?? -1,
      initializers: entry["initializers"] as? Int ?? -1, inputs: values("inputs"), outputs: values("outputs"))
  }
}
