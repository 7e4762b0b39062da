#!/usr/bin/env bash
# Regenerates Sources/BaleONNX/Proto/onnx-subset.pb.swift from onnx-subset.proto.
#
# Needs protoc (Debian: `apt-get install -y protobuf-compiler`). protoc-gen-swift is built from
# the swift-protobuf version this package resolves, so the generated code matches the runtime
# library it is compiled against. The output is committed: `swift build` never needs protoc.
#
# Usage: scripts/gen-onnx-proto.sh [path/to/protoc-gen-swift]
set -euo pipefail
cd "$(dirname "$0")/.."

proto_dir=Sources/BaleONNX/Proto
plugin=${1:-}

if [[ -z "$plugin" ]]; then
    command -v protoc >/dev/null || { echo "error: protoc not found (apt-get install -y protobuf-compiler)" >&2; exit 1; }
    swift package resolve
    checkout=.build/checkouts/swift-protobuf
    [[ -d "$checkout" ]] || { echo "error: $checkout missing after 'swift package resolve'" >&2; exit 1; }
    # A scratch path of its own keeps this release build out of the package's debug build.
    scratch=.build/protoc-gen-swift
    swift build -c release --product protoc-gen-swift --package-path "$checkout" --scratch-path "$scratch"
    plugin="$scratch/release/protoc-gen-swift"
fi

protoc \
    --plugin=protoc-gen-swift="$plugin" \
    --proto_path="$proto_dir" \
    --swift_opt=Visibility=Internal \
    --swift_opt=FileNaming=DropPath \
    --swift_out="$proto_dir" \
    onnx-subset.proto
echo "wrote $proto_dir/onnx-subset.pb.swift"
