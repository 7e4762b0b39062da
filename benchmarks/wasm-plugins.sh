#!/usr/bin/env bash
# Per-call cost of a WebAssembly plugin (Examples/wasm-plugins/normalize.wasm in WasmKit) beside
# the native normalize plugin, same config, on one 28×28 input, in one run (docs/benchmarks.md).
# Usage: benchmarks/wasm-plugins.sh [calls]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bale-plugin-bench >/dev/null
.build/release/bale-plugin-bench Examples/wasm-plugins/normalize.wasm "${1:-5000}"
