public import RecastTensor

/// A node attribute value, one case per ONNX `AttributeProto.AttributeType` that Recast supports.
///
/// Strings are UTF-8 text (ONNX stores bytes; a non-UTF-8 string attribute is rejected on import).
/// Sparse tensors and type protos are not supported.
public enum Attribute: Sendable, Equatable {
  case float(Float)
  case int(Int)
  case string(String)
  case tensor(Tensor)
  case graph(Graph)
  case floats([Float])
  case ints([Int])
  case strings([String])
  case tensors([Tensor])
  case graphs([Graph])

  /// The ONNX type name (`FLOAT`, `INTS`, `GRAPH`, ...), for messages.
  public var typeName: String {
    switch self {
    case .float: "FLOAT"
    case .int: "INT"
    case .string: "STRING"
    case .tensor: "TENSOR"
    case .graph: "GRAPH"
    case .floats: "FLOATS"
    case .ints: "INTS"
    case .strings: "STRINGS"
    case .tensors: "TENSORS"
    case .graphs: "GRAPHS"
    }
  }

  public var intValue: Int? { if case .int(let v) = self { v } else { nil } }
  public var floatValue: Float? { if case .float(let v) = self { v } else { nil } }
  public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
  public var tensorValue: Tensor? { if case .tensor(let v) = self { v } else { nil } }
  public var graphValue: Graph? { if case .graph(let v) = self { v } else { nil } }
  public var intsValue: [Int]? { if case .ints(let v) = self { v } else { nil } }
  public var floatsValue: [Float]? { if case .floats(let v) = self { v } else { nil } }

  /// The subgraphs held by this attribute (one for `.graph`, all for `.graphs`, none otherwise).
  public var subgraphs: [Graph] {
    switch self {
    case .graph(let graph): [graph]
    case .graphs(let graphs): graphs
    default: []
    }
  }
}
