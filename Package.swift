// swift-tools-version: 6.1
import PackageDescription

/// Settings shared by Recast's own modules (not by generated protobuf code, which predates them).
let strictSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "Recast",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "recast", targets: ["recast"]),
    .library(name: "RecastRecipe", targets: ["RecastRecipe"]),
    .library(name: "RecastGraph", targets: ["RecastGraph"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
  ],
  targets: [
    .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
    .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    // Vector kernels in C: AVX2 functions chosen at run time on x86-64, a portable build everywhere.
    .target(name: "CRecastKernels"),

    .target(name: "RecastDiagnostics", swiftSettings: strictSettings),
    .target(name: "RecastYAML", dependencies: ["RecastDiagnostics", "CYAML"], swiftSettings: strictSettings),
    .target(name: "RecastSchema", dependencies: ["RecastDiagnostics", "RecastYAML"], swiftSettings: strictSettings),
    .target(
      name: "RecastRecipe",
      dependencies: ["RecastDiagnostics", "RecastYAML", "RecastSchema", "RecastQuantization", "RecastGraph", "RecastTensor"],
      swiftSettings: strictSettings
    ),
    .target(
      name: "RecastTensor",
      dependencies: ["COpenBLAS", .product(name: "Numerics", package: "swift-numerics")],
      swiftSettings: strictSettings
    ),
    .target(
      name: "RecastGraph",
      dependencies: [
        "RecastTensor", "RecastDiagnostics", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ],
      swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
    ),
    .target(
      name: "RecastQuantization",
      dependencies: ["RecastTensor", "RecastGraph", "RecastDiagnostics", "CRecastKernels"],
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "recast",
      dependencies: [
        "RecastDiagnostics", "RecastYAML", "RecastSchema", "RecastRecipe", "RecastGraph", "RecastTensor",
        "RecastQuantization",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strictSettings
    ),

    // The seed's workflows as small programs over the library API (Examples/Programs).
    .target(
      name: "ExampleSupport", dependencies: ["RecastGraph", "RecastTensor"], path: "Examples/Programs/Shared"),
    .executableTarget(
      name: "example-w8-weight-only", dependencies: ["ExampleSupport", "RecastQuantization", "RecastGraph"],
      path: "Examples/Programs/WeightOnly"),
    .executableTarget(
      name: "example-w8a8-calibrated", dependencies: ["ExampleSupport", "RecastQuantization", "RecastGraph"],
      path: "Examples/Programs/Calibrated"),
    .executableTarget(
      name: "example-w4a8-qat", dependencies: ["ExampleSupport", "RecastQuantization", "RecastGraph"],
      path: "Examples/Programs/QAT"),
    .executableTarget(
      name: "example-minilm-w8a8",
      dependencies: ["ExampleSupport", "RecastQuantization", "RecastGraph", "RecastTensor"],
      path: "Examples/Programs/MiniLM"),

    .executableTarget(
      name: "calibrate-bench", dependencies: ["RecastQuantization", "RecastGraph", "RecastTensor"],
      path: "Benchmarks/calibrate/Sources"),
    .executableTarget(
      name: "qat-bench", dependencies: ["RecastQuantization", "RecastGraph", "RecastTensor"],
      path: "Benchmarks/qat/Sources"),
    .executableTarget(
      name: "quantize-bench", dependencies: ["RecastQuantization", "RecastTensor"], path: "Benchmarks/quantize/Sources"),

    .target(
      name: "TestSupport", dependencies: ["RecastDiagnostics", "RecastTensor"], path: "Tests/TestSupport",
      swiftSettings: strictSettings),
    .testTarget(name: "RecastDiagnosticsTests", dependencies: ["RecastDiagnostics", "TestSupport"]),
    .testTarget(name: "RecastYAMLTests", dependencies: ["RecastYAML", "TestSupport"]),
    .testTarget(
      name: "RecastSchemaTests", dependencies: ["RecastSchema", "RecastYAML", "TestSupport"], exclude: ["Fixtures"]),
    .testTarget(
      name: "RecastRecipeTests", dependencies: ["RecastRecipe", "RecastYAML", "TestSupport"],
      exclude: ["Inputs", "Golden", "Valid"]),
    .testTarget(name: "RecastTensorTests", dependencies: ["RecastTensor", "TestSupport"], exclude: ["Fixtures"]),
    .testTarget(
      name: "RecastGraphTests", dependencies: ["RecastGraph", "RecastTensor", "TestSupport"], exclude: ["Fixtures"]),
    .testTarget(
      name: "RecastQuantizationTests",
      dependencies: ["RecastQuantization", "RecastTensor", "RecastGraph", "RecastDiagnostics", "TestSupport"],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "RecastCLITests",
      dependencies: [
        "recast", "example-w8-weight-only", "example-w8a8-calibrated", "example-w4a8-qat", "example-minilm-w8a8",
        "TestSupport",
      ]),
  ]
)
