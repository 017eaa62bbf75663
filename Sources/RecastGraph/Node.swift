/// One operator application in a graph.
///
/// Inputs and outputs are value names; an empty name marks an omitted optional input or output.
/// Attributes and metadata keep their file order.
public struct Node: Sendable, Equatable {
  public var name: String
  public var opType: String
  /// Operator set domain; `""` is the default ONNX domain (`ai.onnx`).
  public var domain: String
  public var inputs: [String]
  public var outputs: [String]
  public var attributes: OrderedMap<String, Attribute>
  public var docString: String
  public var metadataProps: OrderedMap<String, String>

  public init(
    name: String = "", opType: String, domain: String = "", inputs: [String] = [], outputs: [String] = [],
    attributes: OrderedMap<String, Attribute> = [:], docString: String = "",
    metadataProps: OrderedMap<String, String> = [:]
  ) {
    self.name = name
    self.opType = opType
    self.domain = domain
    self.inputs = inputs
    self.outputs = outputs
    self.attributes = attributes
    self.docString = docString
    self.metadataProps = metadataProps
  }

  /// The `index`-th input if present and not omitted.
  public func input(_ index: Int) -> String? {
    index < inputs.count && !inputs[index].isEmpty ? inputs[index] : nil
  }

  /// Inputs that are actually given (omitted optional inputs dropped).
  public var presentInputs: [String] { inputs.filter { !$0.isEmpty } }

  /// Outputs that are actually produced (omitted optional outputs dropped).
  public var presentOutputs: [String] { outputs.filter { !$0.isEmpty } }

  /// An `INT` attribute, or `defaultValue` when absent.
  public func int(_ name: String, default defaultValue: Int) -> Int { attributes[name]?.intValue ?? defaultValue }

  /// A `FLOAT` attribute, or `defaultValue` when absent.
  public func float(_ name: String, default defaultValue: Float) -> Float {
    attributes[name]?.floatValue ?? defaultValue
  }

  /// An `INTS` attribute, if present.
  public func ints(_ name: String) -> [Int]? { attributes[name]?.intsValue }

  /// All subgraphs held in attributes (`If` branches, `Loop`/`Scan` bodies), in attribute order.
  public var subgraphs: [Graph] { attributes.values.flatMap(\.subgraphs) }

  /// A label for messages: `'name' (OpType)`, or just the op type for an unnamed node.
  public var label: String { name.isEmpty ? "unnamed \(opType) node" : "'\(name)' (\(opType))" }
}
