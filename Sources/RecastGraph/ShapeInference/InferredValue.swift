import Foundation
import RecastTensor

/// One element of a folded constant: a number, a named symbolic size (`batch`), or unknown.
///
/// Shape-computing subgraphs (`Shape → Gather → Unsqueeze → Concat → Reshape`) are folded over these, so a
/// dynamic batch size travels as the symbol `batch` rather than becoming unknown.
enum SymbolicScalar: Hashable, Sendable {
  case number(Double)
  case symbol(String)
  case unknown

  init(_ dimension: Dimension) {
    switch dimension {
    case .fixed(let size): self = .number(Double(size))
    case .symbolic(let name): self = .symbol(name)
    case .unknown: self = .unknown
    }
  }

  /// As a dimension: an integral non-negative number, a symbol, or unknown.
  var dimension: Dimension {
    switch self {
    case .number(let v) where v >= 0 && v == v.rounded() && v < 1e15: .fixed(Int(v))
    case .symbol(let name): .symbolic(name)
    default: .unknown
    }
  }

  /// The integer value, when it is one.
  var int: Int? {
    if case .number(let v) = self, v == v.rounded(), abs(v) < 9.2e18 { Int(v) } else { nil }
  }

  /// Element-wise arithmetic on numbers; `x * 1`, `x + 0`, `x / 1`, `x - 0` keep a symbol.
  static func combine(_ a: SymbolicScalar, _ b: SymbolicScalar, op: String, integer: Bool) -> SymbolicScalar {
    switch (a, b) {
    case (.number(let x), .number(let y)):
      switch op {
      case "Add": return .number(x + y)
      case "Sub": return .number(x - y)
      case "Mul": return .number(x * y)
      case "Div":
        guard y != 0 else { return .unknown }
        return .number(integer ? (x / y).rounded(.towardZero) : x / y)
      case "Pow": return .number(Foundation.pow(x, y))
      case "Max": return .number(Swift.max(x, y))
      case "Min": return .number(Swift.min(x, y))
      case "Equal": return .number(x == y ? 1 : 0)
      case "Greater": return .number(x > y ? 1 : 0)
      case "GreaterOrEqual": return .number(x >= y ? 1 : 0)
      case "Less": return .number(x < y ? 1 : 0)
      case "LessOrEqual": return .number(x <= y ? 1 : 0)
      case "And": return .number(x != 0 && y != 0 ? 1 : 0)
      case "Or": return .number(x != 0 || y != 0 ? 1 : 0)
      default: return .unknown
      }
    case (.symbol, .number(let y)) where (op == "Mul" || op == "Div" || op == "Pow") && y == 1: return a
    case (.symbol, .number(let y)) where (op == "Add" || op == "Sub") && y == 0: return a
    case (.number(let x), .symbol) where op == "Mul" && x == 1: return b
    case (.number(let x), .symbol) where op == "Add" && x == 0: return b
    case (.symbol(let x), .symbol(let y)) where x == y && op == "Equal": return .number(1)
    default: return .unknown
    }
  }
}

/// What shape inference knows about one value: element type, shape, and (for small constants and shape
/// tensors) the element values in row-major order.
struct InferredValue: Sendable {
  var dtype: DataType?
  var shape: [Dimension]?
  var constant: [SymbolicScalar]?

  /// Largest constant that is folded (shape tensors are tiny; weights are not folded).
  static let foldLimit = 1024

  static let unknown = InferredValue(dtype: nil, shape: nil, constant: nil)

  init(dtype: DataType?, shape: [Dimension]?, constant: [SymbolicScalar]? = nil) {
    self.dtype = dtype
    self.shape = shape
    self.constant = constant
  }

  /// A known tensor; its values are kept when it is small and numeric.
  init(tensor: Tensor) {
    dtype = tensor.dtype
    shape = tensor.shape.map { .fixed($0) }
    constant = tensor.count <= Self.foldLimit ? Self.numbers(of: tensor) : nil
  }

  var rank: Int? { shape?.count }

  /// The constant's integer values (e.g. a `Reshape` shape or `Unsqueeze` axes), when all are known integers.
  var ints: [Int]? {
    guard let constant else { return nil }
    var values: [Int] = []
    for scalar in constant {
      guard let v = scalar.int else { return nil }
      values.append(v)
    }
    return values
  }

  /// The constant's values as dimensions (numbers and symbols).
  var dimensions: [Dimension]? { constant?.map(\.dimension) }

  /// Element values of a numeric tensor, or `nil` for types not folded.
  static func numbers(of tensor: Tensor) -> [SymbolicScalar]? {
    let values: [Double]
    switch tensor.dtype {
    case .float32: values = tensor.scalars(as: Float.self).map { Double($0) }
    case .float64: values = tensor.scalars(as: Double.self)
    case .int64: values = tensor.scalars(as: Int64.self).map { Double($0) }
    case .int32: values = tensor.scalars(as: Int32.self).map { Double($0) }
    case .int8: values = tensor.scalars(as: Int8.self).map { Double($0) }
    case .uint8, .bool: values = tensor.scalars(as: UInt8.self).map { Double($0) }
    default: return nil
    }
    return values.map { .number($0) }
  }
}
