#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Arithmetic ONNX binary operators (`Add`, `Sub`, `Mul`, `Div`, `Pow`, `Max`, `Min`, `Mod`).
public enum BinaryOperator: String, Sendable, CaseIterable {
  case add, sub, mul, div, pow, max, min, mod
}

/// ONNX comparisons; the result is bool.
public enum ComparisonOperator: String, Sendable, CaseIterable {
  case equal, greater, greaterOrEqual, less, lessOrEqual
}

/// ONNX logical operators on bool tensors.
public enum LogicalOperator: String, Sendable, CaseIterable {
  case and, or, xor
}

/// A per-element function applied along broadcast runs; specialised per operator so loops vectorise.
protocol BinaryKernel {
  associatedtype Element: BitwiseCopyable
  associatedtype Output: BitwiseCopyable
  static func apply(_ a: Element, _ b: Element) -> Output
}

extension Tensor {
  /// `a op b` with ONNX multidirectional broadcasting. float32, float64, int64 and int32 operands (both
  /// the same type). Integer `div` truncates toward zero (as C and onnxruntime do), integer `pow` is exact,
  /// `mod` follows ONNX `fmod=0` for integers (sign of the divisor) and `fmod=1` (C `fmod`) for floats.
  /// Integer division by zero gives 0 rather than trapping.
  public static func binary(_ op: BinaryOperator, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    guard a.dtype == b.dtype else { throw TensorError("\(op): operand types differ (\(a.dtype), \(b.dtype))") }
    switch a.dtype {
    case .float32: return try floatBinary(op, a, b, Float.self)
    case .float64: return try floatBinary(op, a, b, Double.self)
    case .int64: return try integerBinary(op, a, b, Int64.self)
    case .int32: return try integerBinary(op, a, b, Int32.self)
    default: throw TensorError("\(op): unsupported type \(a.dtype)")
    }
  }

  /// `a op b` → bool, with broadcasting; any numeric type that both operands share, and bool for `equal`.
  public static func compare(_ op: ComparisonOperator, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    guard a.dtype == b.dtype else { throw TensorError("\(op): operand types differ (\(a.dtype), \(b.dtype))") }
    switch a.dtype {
    case .float32: return try comparison(op, a, b, Float.self)
    case .float64: return try comparison(op, a, b, Double.self)
    case .int64: return try comparison(op, a, b, Int64.self)
    case .int32: return try comparison(op, a, b, Int32.self)
    case .int8: return try comparison(op, a, b, Int8.self)
    case .uint8, .bool: return try comparison(op, a, b, UInt8.self)
    default: throw TensorError("\(op): unsupported type \(a.dtype)")
    }
  }

  /// `a op b` on bool tensors, with broadcasting.
  public static func logical(_ op: LogicalOperator, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    guard a.dtype == .bool, b.dtype == .bool else { throw TensorError("\(op): operands must be bool") }
    switch op {
    case .and: return try broadcast(a, b, LogicalKernel<AndOp>.self, output: .bool)
    case .or: return try broadcast(a, b, LogicalKernel<OrOp>.self, output: .bool)
    case .xor: return try broadcast(a, b, LogicalKernel<XorOp>.self, output: .bool)
    }
  }

  /// ONNX `Not`.
  public func logicalNot() throws(TensorError) -> Tensor {
    guard dtype == .bool else { throw TensorError("Not: operand must be bool, found \(dtype)") }
    var out = Tensor(zeros: .bool, shape: shape)
    withUnsafeBufferPointer(as: UInt8.self) { src in
      out.withUnsafeMutableBufferPointer(as: UInt8.self) { dst in
        for i in 0..<src.count { dst[i] = src[i] ^ 1 }
      }
    }
    return out
  }

  private static func floatBinary<T: BinaryFloatingPoint & BitwiseCopyable>(
    _ op: BinaryOperator, _ a: Tensor, _ b: Tensor, _: T.Type
  ) throws(TensorError) -> Tensor where T: ElementaryMath {
    switch op {
    case .add: try broadcast(a, b, FloatKernel<T, AddOp>.self, output: a.dtype)
    case .sub: try broadcast(a, b, FloatKernel<T, SubOp>.self, output: a.dtype)
    case .mul: try broadcast(a, b, FloatKernel<T, MulOp>.self, output: a.dtype)
    case .div: try broadcast(a, b, FloatKernel<T, DivOp>.self, output: a.dtype)
    case .pow: try broadcast(a, b, FloatKernel<T, PowOp>.self, output: a.dtype)
    case .max: try broadcast(a, b, FloatKernel<T, MaxOp>.self, output: a.dtype)
    case .min: try broadcast(a, b, FloatKernel<T, MinOp>.self, output: a.dtype)
    case .mod: try broadcast(a, b, FloatKernel<T, ModOp>.self, output: a.dtype)
    }
  }

  private static func integerBinary<T: FixedWidthInteger & SignedInteger & BitwiseCopyable>(
    _ op: BinaryOperator, _ a: Tensor, _ b: Tensor, _: T.Type
  ) throws(TensorError) -> Tensor {
    switch op {
    case .add: try broadcast(a, b, IntegerKernel<T, AddOp>.self, output: a.dtype)
    case .sub: try broadcast(a, b, IntegerKernel<T, SubOp>.self, output: a.dtype)
    case .mul: try broadcast(a, b, IntegerKernel<T, MulOp>.self, output: a.dtype)
    case .div: try broadcast(a, b, IntegerKernel<T, DivOp>.self, output: a.dtype)
    case .pow: try broadcast(a, b, IntegerKernel<T, PowOp>.self, output: a.dtype)
    case .max: try broadcast(a, b, IntegerKernel<T, MaxOp>.self, output: a.dtype)
    case .min: try broadcast(a, b, IntegerKernel<T, MinOp>.self, output: a.dtype)
    case .mod: try broadcast(a, b, IntegerKernel<T, ModOp>.self, output: a.dtype)
    }
  }

  private static func comparison<T: Comparable & BitwiseCopyable>(
    _ op: ComparisonOperator, _ a: Tensor, _ b: Tensor, _: T.Type
  ) throws(TensorError) -> Tensor {
    switch op {
    case .equal: try broadcast(a, b, CompareKernel<T, EqualOp>.self, output: .bool)
    case .greater: try broadcast(a, b, CompareKernel<T, GreaterOp>.self, output: .bool)
    case .greaterOrEqual: try broadcast(a, b, CompareKernel<T, GreaterOrEqualOp>.self, output: .bool)
    case .less: try broadcast(a, b, CompareKernel<T, LessOp>.self, output: .bool)
    case .lessOrEqual: try broadcast(a, b, CompareKernel<T, LessOrEqualOp>.self, output: .bool)
    }
  }

  /// The broadcasting engine: runs `K` over `a` and `b` into a new tensor of type `output`.
  static func broadcast<K: BinaryKernel>(
    _ a: Tensor, _ b: Tensor, _: K.Type, output: DataType
  ) throws(TensorError) -> Tensor {
    let plan = try BroadcastPlan(shapes: [a.shape, b.shape])
    var out = Tensor(uninitialized: output, shape: plan.outputShape)
    a.withUnsafeBufferPointer(as: K.Element.self) { pa in
      b.withUnsafeBufferPointer(as: K.Element.self) { pb in
        out.withUnsafeMutableBufferPointer(as: K.Output.self) { po in
          guard let baseA = pa.baseAddress, let baseB = pb.baseAddress, let baseO = po.baseAddress else { return }
          let sa = plan.innerStrides[0]
          let sb = plan.innerStrides[1]
          let length = plan.runLength
          plan.forEachChunk { runs, elements in
            for run in runs {
              let offA = plan.runOffset(run, 0) + elements.lowerBound * sa
              let offB = plan.runOffset(run, 1) + elements.lowerBound * sb
              let offO = run * length + elements.lowerBound
              runKernel(K.self, baseA + offA, sa, baseB + offB, sb, baseO + offO, elements.count)
            }
          }
        }
      }
    }
    return out
  }

  @inline(__always)
  static func runKernel<K: BinaryKernel>(
    _: K.Type, _ a: UnsafePointer<K.Element>, _ sa: Int, _ b: UnsafePointer<K.Element>, _ sb: Int,
    _ out: UnsafeMutablePointer<K.Output>, _ n: Int
  ) {
    if sa == 1 && sb == 1 {
      for i in 0..<n { out[i] = K.apply(a[i], b[i]) }
    } else if sa == 1 && sb == 0 {
      let y = b[0]
      for i in 0..<n { out[i] = K.apply(a[i], y) }
    } else if sa == 0 && sb == 1 {
      let x = a[0]
      for i in 0..<n { out[i] = K.apply(x, b[i]) }
    } else {
      for i in 0..<n { out[i] = K.apply(a[i * sa], b[i * sb]) }
    }
  }
}

// MARK: - Operator tags and kernels

/// Elementary functions the float kernels need, on Float and Double.
protocol ElementaryMath {
  static func power(_ x: Self, _ y: Self) -> Self
  static func remainderTruncating(_ x: Self, _ y: Self) -> Self
}

extension Float: ElementaryMath {
  @inline(__always) static func power(_ x: Float, _ y: Float) -> Float { powf(x, y) }
  @inline(__always) static func remainderTruncating(_ x: Float, _ y: Float) -> Float { fmodf(x, y) }
}

extension Double: ElementaryMath {
  @inline(__always) static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
  @inline(__always) static func remainderTruncating(_ x: Double, _ y: Double) -> Double { fmod(x, y) }
}

protocol ArithmeticTag {
  static func float<T: BinaryFloatingPoint & ElementaryMath>(_ a: T, _ b: T) -> T
  static func integer<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T
}

protocol ComparisonTag {
  static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool
}

protocol LogicalTag {
  static func apply(_ a: UInt8, _ b: UInt8) -> UInt8
}

enum AddOp: ArithmeticTag {
  @inline(__always) static func float<T: BinaryFloatingPoint & ElementaryMath>(_ a: T, _ b: T) -> T { a + b }
  @inline(__always) static func integer<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T { a &+ b }
}

enum SubOp: ArithmeticTag {
  @inline(__always) static func float<T: BinaryFloatingPoint & ElementaryMath>(_ a: T, _ b: T) -> T { a - b }
  @inline(__always) static func integer<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T { a &- b }
}

enum MulOp: ArithmeticTag {
  @inline(__always) static func float<T: BinaryFloatingPoint & ElementaryMath>(_ a: T, _ b: T) -> T { a * b }
  @inline(__always) static func integer<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T { a &* b }
}

enum DivOp: ArithmeticTag {
  @inline(__always) static func float<T: BinaryFloatingPoint & ElementaryMath>(_ a: T, _ b: T) -> T { a / b }
  @inline(__always) static func integer<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T {
    b == 0 ? 0 : (b == -1 ? 0 &- a : a / b)
  }
}

enum PowOp: ArithmeticTag {
  @inline(__always) static func float<T: BinaryFloatingPoint & ElementaryMath>(_ a: T, _ b: T) -> T {
    T.power(a, b)
  }
  static func integer<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T {
    if b < 0 { return a == 1 ? 1 : (a == -1 ? (b & 1 == 0 ? 1 : -1) : 0) }
    var result: T = 1
    var base = a
    var exponent = b
    while exponent > 0 {
      if exponent & 1 == 1 { result = result &* base }
      base = base &* base
      exponent >>= 1
    }
    return result
  }
}

/// ONNX Max/Min propagate NaN.
enum MaxOp: ArithmeticTag {
  @inline(__always) static func float<T: BinaryFloatingPoint & ElementaryMath>(_ a: T, _ b: T) -> T {
    a.isNaN || b.isNaN ? .nan : (a > b ? a : b)
  }
  @inline(__always) static func integer<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T { Swift.max(a, b) }
}

enum MinOp: ArithmeticTag {
  @inline(__always) static func float<T: BinaryFloatingPoint & ElementaryMath>(_ a: T, _ b: T) -> T {
    a.isNaN || b.isNaN ? .nan : (a < b ? a : b)
  }
  @inline(__always) static func integer<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T { Swift.min(a, b) }
}

/// Floats: C `fmod` (ONNX fmod=1). Integers: the divisor's sign (ONNX fmod=0).
enum ModOp: ArithmeticTag {
  @inline(__always) static func float<T: BinaryFloatingPoint & ElementaryMath>(_ a: T, _ b: T) -> T {
    T.remainderTruncating(a, b)
  }
  @inline(__always) static func integer<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T {
    if b == 0 || b == -1 { return 0 }
    let r = a % b
    return r != 0 && (r < 0) != (b < 0) ? r + b : r
  }
}

enum EqualOp: ComparisonTag {
  @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b }
}

enum GreaterOp: ComparisonTag {
  @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b }
}

enum GreaterOrEqualOp: ComparisonTag {
  @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b }
}

enum LessOp: ComparisonTag {
  @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b }
}

enum LessOrEqualOp: ComparisonTag {
  @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b }
}

enum AndOp: LogicalTag {
  @inline(__always) static func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { a & b }
}

enum OrOp: LogicalTag {
  @inline(__always) static func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { a | b }
}

enum XorOp: LogicalTag {
  @inline(__always) static func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { a ^ b }
}

enum FloatKernel<T: BinaryFloatingPoint & BitwiseCopyable & ElementaryMath, Op: ArithmeticTag>: BinaryKernel {
  @inline(__always) static func apply(_ a: T, _ b: T) -> T { Op.float(a, b) }
}

enum IntegerKernel<T: FixedWidthInteger & SignedInteger & BitwiseCopyable, Op: ArithmeticTag>: BinaryKernel {
  @inline(__always) static func apply(_ a: T, _ b: T) -> T { Op.integer(a, b) }
}

enum CompareKernel<T: Comparable & BitwiseCopyable, Op: ComparisonTag>: BinaryKernel {
  @inline(__always) static func apply(_ a: T, _ b: T) -> UInt8 { Op.compare(a, b) ? 1 : 0 }
}

enum LogicalKernel<Op: LogicalTag>: BinaryKernel {
  @inline(__always) static func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { Op.apply(a, b) }
}
