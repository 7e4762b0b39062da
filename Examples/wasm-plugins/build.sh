#!/bin/sh
# Builds the example WebAssembly plugins (freestanding C, no libc) into normalize.wasm and
# argmax-monitor.wasm next to this script. The committed .wasm files were built with Debian 12's
# clang 14 + lld (wasm-ld); the output is the same bytes on every rebuild with one toolchain.
# Override the tools with CLANG=... WASM_LD=... . Compiling and linking are two steps so that the
# chosen wasm-ld is the one used.
set -eu
cd "$(dirname "$0")"

# Debian's clang-14/wasm-ld-14 first (the toolchain the committed modules were built with).
find_clang() {
    for c in ${CLANG:-} clang-14 clang; do
        if command -v "$c" >/dev/null 2>&1 && "$c" --print-targets 2>/dev/null | grep -q wasm32; then
            echo "$c"; return 0
        fi
    done
    return 1
}
find_wasm_ld() {
    for l in ${WASM_LD:-} wasm-ld-14 wasm-ld; do
        if command -v "$l" >/dev/null 2>&1; then command -v "$l"; return 0; fi
    done
    return 1
}

if ! find_clang >/dev/null || ! find_wasm_ld >/dev/null; then
    echo "build.sh: installing clang and lld (wasm-ld) with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq clang lld >/dev/null
fi
CC=$(find_clang) || { echo "build.sh: no clang with the wasm32 target" >&2; exit 1; }
LD=$(find_wasm_ld) || { echo "build.sh: no wasm-ld" >&2; exit 1; }

# -Oz: small modules (a few KB; -O2 makes them 2-3 times larger). -mcpu=mvp: plain WebAssembly
# 1.0 whatever clang's default. -ffp-contract=off: no fused multiply-add, so the f32 arithmetic
# matches the native plugin bit for bit (no -ffast-math either).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for plugin in normalize argmax-monitor; do
    "$CC" --target=wasm32 -mcpu=mvp -ffreestanding -nostdlib -Oz -fno-builtin -ffp-contract=off \
        -Wall -Wextra -Werror -c -o "$tmp/$plugin.o" "$plugin.c"
    "$LD" --no-entry --export-dynamic --strip-all -o "$plugin.wasm" "$tmp/$plugin.o"
    echo "$plugin.wasm: $(wc -c <"$plugin.wasm") bytes, sha256 $(sha256sum "$plugin.wasm" | cut -d' ' -f1) ($("$CC" --version | head -n 1))"
done
