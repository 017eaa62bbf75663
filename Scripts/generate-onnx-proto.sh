#!/usr/bin/env bash
# Regenerates Sources/RecastGraph/ONNX/onnx.pb.swift from the vendored Scripts/onnx-proto/onnx.proto.
#
# Needs `protoc` (Debian: protobuf-compiler). The Swift plugin comes from env PROTOC_GEN_SWIFT; without it the
# script builds protoc-gen-swift from the swift-protobuf version that Package.swift names (from a local mirror
# under /opt/swift-packages when present, else GitHub) into a cache folder. The generated types are internal.
set -euo pipefail
cd "$(dirname "$0")/.."

proto_dir=Scripts/onnx-proto
out_dir=Sources/RecastGraph/ONNX

command -v protoc >/dev/null || { echo "generate-onnx-proto: protoc not found (apt install protobuf-compiler)" >&2; exit 1; }

plugin="${PROTOC_GEN_SWIFT:-}"
if [ -z "$plugin" ]; then
  version=$(sed -n 's|.*swift-protobuf", from: "\([0-9.]*\)".*|\1|p' Package.swift)
  [ -n "$version" ] || { echo "generate-onnx-proto: no swift-protobuf version in Package.swift" >&2; exit 1; }
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/recast/swift-protobuf-$version"
  plugin="$cache/.build/release/protoc-gen-swift"
  if [ ! -x "$plugin" ]; then
    source_repo=https://github.com/apple/swift-protobuf.git
    [ -d /opt/swift-packages/apple/swift-protobuf.git ] && source_repo=file:///opt/swift-packages/apple/swift-protobuf.git
    echo "generate-onnx-proto: building protoc-gen-swift $version from $source_repo"
    rm -rf "$cache"
    git -c advice.detachedHead=false clone -q --depth 1 --branch "$version" "$source_repo" "$cache"
    swift build -c release --package-path "$cache" --product protoc-gen-swift
  fi
fi

mkdir -p "$out_dir"
protoc \
  --plugin="protoc-gen-swift=$plugin" \
  --proto_path="$proto_dir" \
  --swift_out="$out_dir" \
  --swift_opt=Visibility=Internal \
  --swift_opt=FileNaming=DropPath \
  onnx.proto
echo "generate-onnx-proto: wrote $out_dir/onnx.pb.swift"
