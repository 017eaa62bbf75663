import RecastYAML

extension Node {
  /// The value of an integer scalar, or nil.
  var intValue: Int? {
    if case .int(let i)? = scalar?.value { return i }
    return nil
  }

  /// The value of a numeric scalar (integer or float), or nil.
  var numberValue: Double? {
    switch scalar?.value {
    case .int(let i)?: Double(i)
    case .float(let d)?: d
    default: nil
    }
  }
}
