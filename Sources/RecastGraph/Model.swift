/// An ONNX model: the top-level graph plus the operator sets it was written against and producer metadata.
public struct Model: Sendable, Equatable {
  /// ONNX IR version of the file (`Model.currentIRVersion` for new models).
  public var irVersion: Int
  /// Operator set version per domain (`""` = `ai.onnx`), in file order.
  public var opsetImports: OrderedMap<String, Int>
  public var producerName: String
  public var producerVersion: String
  public var domain: String
  public var modelVersion: Int
  public var docString: String
  public var metadataProps: OrderedMap<String, String>
  public var graph: Graph

  /// The IR version Recast writes for models it creates (ONNX 1.16+ reads it).
  public static let currentIRVersion = 10

  public init(
    graph: Graph, irVersion: Int = Model.currentIRVersion, opsetImports: OrderedMap<String, Int> = ["": 17],
    producerName: String = "recast", producerVersion: String = "", domain: String = "", modelVersion: Int = 0,
    docString: String = "", metadataProps: OrderedMap<String, String> = [:]
  ) {
    self.graph = graph
    self.irVersion = irVersion
    self.opsetImports = opsetImports
    self.producerName = producerName
    self.producerVersion = producerVersion
    self.domain = domain
    self.modelVersion = modelVersion
    self.docString = docString
    self.metadataProps = metadataProps
  }

  /// The `ai.onnx` operator set version (the `""` or `"ai.onnx"` entry).
  public var defaultOpset: Int? { opsetImports[""] ?? opsetImports["ai.onnx"] }
}
