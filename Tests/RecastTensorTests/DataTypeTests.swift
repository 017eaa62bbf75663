import RecastTensor
import Testing

@Suite struct DataTypeTests {
  /// Every name is distinct and printing a type terminates (it once recursed through `description`).
  @Test func namesAreDistinct() {
    let names = DataType.allCases.map { "\($0)" }
    #expect(Set(names).count == DataType.allCases.count)
    #expect(DataType.float32.description == "float")
    #expect(DataType.int4.description == "int4")
  }
}
