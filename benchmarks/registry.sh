#!/usr/bin/env bash
# Side-by-side benchmark of `bale push` / `bale pull` against Debian's docker-registry on
# loopback (issue 8), with curl moving the same blob in the same run as the peer:
#   push  vs  curl POST + monolithic PUT of the .bale blob
#   pull  vs  curl GET of the blob to a file
# plus peak RSS of bale (GNU time). The bundle is `bale pack` of a directory holding one file of
# random bytes (incompressible, so the blob is as large as the payload).
#
# Usage: benchmarks/registry.sh [MiB] [path/to/bale]   (defaults: 256, .build/release/bale)
# Needs: docker-registry (installed by scripts/registry-env), curl, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-256}
bale=$(realpath "${2:-.build/release/bale}")
source scripts/registry-env

seconds() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }
# measure LABEL CMD...: runs CMD under GNU time; prints "LABEL seconds peak-RSS-MiB".
measure() {
    local label=$1; shift
    local start end
    start=$(seconds)
    /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>"$work/$label.err" || { cat "$work/$label.err" >&2; return 1; }
    end=$(seconds)
    printf '| %s | %.2f s | %d MiB |\n' "$label" "$(python3 -c "print($end-$start)")" $(($(cat "$work/rss") / 1024))
}

mkdir -p "$work/payload"
head -c $((mib << 20)) /dev/urandom >"$work/payload/weights.bin"
"$bale" pack "$work/payload" -o "$work/big.bale" --name big --version 1.0 >/dev/null
size=$(stat -c %s "$work/big.bale")
digest=sha256:$(sha256sum "$work/big.bale" | cut -d' ' -f1)

start_registry bench
base="http://127.0.0.1:$port/v2"
echo "bundle: $mib MiB of random bytes, blob $size bytes; registry 127.0.0.1:$port"
echo
echo "| step | time | peak RSS |"
echo "|---|---|---|"
measure "bale push (chunked, 16 MiB PATCHes)" "$bale" push "$work/big.bale" "oci://127.0.0.1:$port/bench/big:1.0" --quiet
measure "bale push again (both blobs skipped)" "$bale" push "$work/big.bale" "oci://127.0.0.1:$port/bench/big:1.0" --quiet
measure "bale push --chunk-size 1G (one monolithic PUT)" "$bale" push "$work/big.bale" "oci://127.0.0.1:$port/bench/mono:1.0" --quiet --chunk-size 1G
location=$(curl -si -X POST "$base/bench/curl/blobs/uploads/" | sed -n 's/^[Ll]ocation: \(.*\)\r$/\1/p')
measure "curl monolithic PUT of the blob (peer)" curl -sf -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary @"$work/big.bale" "$location&digest=$digest"
measure "bale pull (download, digest, full verify, rename)" "$bale" pull "oci://127.0.0.1:$port/bench/big:1.0" -o "$work/pulled.bale" --quiet
measure "curl GET of the blob to a file (peer)" curl -sf -o "$work/curl.bale" "$base/bench/big/blobs/$digest"
measure "bale verify of the pulled file (part of pull)" "$bale" verify "$work/pulled.bale"
cmp "$work/big.bale" "$work/pulled.bale"
