public import RecastTensor

/// A named value's declared type: graph inputs and outputs and `value_info` entries.
///
/// Only tensor types are modelled; `elementType` and `shape` are `nil` when the file does not give them
/// (a `nil` shape means unknown rank, `[]` a scalar).
public struct ValueInfo: Sendable, Equatable {
  public var name: String
  public var elementType: DataType?
  public var shape: [Dimension]?
  public var docString: String
  public var metadataProps: OrderedMap<String, String>

  public init(
    name: String, elementType: DataType? = nil, shape: [Dimension]? = nil, docString: String = "",
    metadataProps: OrderedMap<String, String> = [:]
  ) {
    self.name = name
    self.elementType = elementType
    self.shape = shape
    self.docString = docString
    self.metadataProps = metadataProps
  }
}

extension ValueInfo: CustomStringConvertible {
  /// `input: float [batch, 1, 8, 8]`.
  public var description: String {
    "\(name): \(elementType.map(\.description) ?? "?") \(shape?.shapeDescription ?? "[?]")"
  }
}
