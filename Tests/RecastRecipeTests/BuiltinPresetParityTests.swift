import RecastQuantization
import RecastYAML
import Testing

@testable import RecastRecipe

/// Each built-in preset file (`recipes/NAME.yaml`) builds the same `QuantizerConfig` as its Swift counterpart in
/// `QuantizerConfig.presets` (`w4` only extends `w4_per_block`), so a recipe that extends a preset and a program that calls the preset quantize alike.
@Suite struct BuiltinPresetParityTests {
  static let pairs: [(String, QuantizerConfig)] = [
    ("w8", .presets.w8()), ("w4_per_block", .presets.w4PerBlock(blockSize: 32)), ("w4_per_channel", .presets.w4PerChannel()),
    ("w8a8", .presets.w8a8()), ("w8a8_asym", .presets.w8a8Asym()), ("fp8", .presets.fp8()),
    ("mxfp4", .presets.mxfp4()),
  ]

  @Test(arguments: pairs.map(\.0))
  func yamlPresetEqualsSwiftPreset(_ name: String) throws {
    let text = try #require(PresetLibrary.builtinText(name))
    let fromYAML = try RecipeConfig(YAMLReader.parse(bytes: Array(text.utf8), file: "\(name).yaml")).quantizerConfig()
    let swift = try #require(Self.pairs.first { $0.0 == name }?.1)
    #expect(fromYAML == swift)
  }

  @Test(arguments: pairs.map(\.0))
  func onlyTheOnnxruntimeSchemeUsesTheNarrowRange(_ name: String) throws {
    let config = try #require(Self.pairs.first { $0.0 == name }?.1)
    let weight = try #require(config.globalConfig.effective?.opStateSpec?.lookup(keys: ["weight"])?.spec)
    #expect(weight.narrowRange == (name == "w8a8_asym"))
  }
}
