/// One dimension of a value's shape: a known size, a named symbol (`batch`, `seq`) or unknown.
public enum Dimension: Sendable, Hashable, CustomStringConvertible {
  case fixed(Int)
  case symbolic(String)
  case unknown

  /// The size when it is known.
  public var value: Int? {
    if case .fixed(let size) = self { size } else { nil }
  }

  public var description: String {
    switch self {
    case .fixed(let size): "\(size)"
    case .symbolic(let name): name
    case .unknown: "?"
    }
  }
}

extension Dimension: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
  public init(integerLiteral value: Int) { self = .fixed(value) }
  public init(stringLiteral value: String) { self = .symbolic(value) }
}

extension Array where Element == Dimension {
  /// The sizes when every dimension is known.
  public var fixedSizes: [Int]? {
    var sizes: [Int] = []
    for dimension in self {
      guard let size = dimension.value else { return nil }
      sizes.append(size)
    }
    return sizes
  }

  /// `[batch, 1, 8, 8]`.
  public var shapeDescription: String { "[" + map(\.description).joined(separator: ", ") + "]" }
}
