#!/usr/bin/env bash
# Side-by-side benchmark of `bale pack` and `bale verify` (issue 2):
#   pack   vs  tar -I 'zstd -3 -T0' -cf      (same directory, same run)
#   verify vs  zstd -dc B | sha256sum        (same bundle, same run)
# plus peak RSS (/usr/bin/time -v) of pack and verify at two payload sizes.
#
# Usage: benchmarks/pack-verify.sh [MiB] [big-MiB]   (defaults: 256 and 1024)
# Needs: hyperfine, zstd, tar, openssl, GNU time, python3 with numpy (Debian: hyperfine time
# openssl python3-numpy).
# Prints a Markdown report on stdout; work files go to $BENCH_DIR (default /tmp/bale-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-256}
big_mib=${2:-1024}
work=${BENCH_DIR:-/tmp/bale-bench}
runs=${RUNS:-7}

swift build -c release --product bale >&2
bale=$PWD/.build/release/bale
mkdir -p "$work"

# float32 payload: 4 files of normally distributed weights, like a dense layer dump.
make_payload() {  # dir MiB
    [[ -f "$1/.complete" ]] && return
    rm -rf "$1" && mkdir -p "$1"
    python3 - "$1" "$2" <<'PY'
import sys, numpy as np
out, mib = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
per = mib * 1024 * 1024 // 4 // 4
for i in range(4):
    rng.standard_normal(per, dtype=np.float32).tofile(f"{out}/layer{i}.f32")
PY
    touch "$1/.complete"
}
make_payload "$work/payload" "$size_mib"

median() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join(f\"{x['median']:.3f}\" for x in r))" "$1"; }
rss_kib() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

# The payload dir holds a marker file; pack a copy-free view without it.
payload=$work/payload-view
rm -rf "$payload" && mkdir -p "$payload" && ln -f "$work"/payload/*.f32 "$payload"/

hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/pack.json" \
    "$bale pack $payload -o $work/b.bale --name bench --version 1" \
    "tar -I 'zstd -3 -T0' -cf $work/t.tar.zst -C $payload ." >&2
read -r pack_s tar_s <<<"$(median "$work/pack.json")"
bale_bytes=$(stat -c %s "$work/b.bale")
tar_bytes=$(stat -c %s "$work/t.tar.zst")

hyperfine --warmup 1 --runs "$runs" --export-json "$work/verify.json" \
    "$bale verify $work/b.bale" \
    "zstd -dc $work/b.bale | sha256sum" \
    "zstd -dc $work/b.bale | openssl dgst -sha256" >&2
read -r verify_s pipe_s openssl_s <<<"$(median "$work/verify.json")"

pack_rss=$(rss_kib "$bale" pack "$payload" -o "$work/b.bale" --name bench --version 1)
verify_rss=$(rss_kib "$bale" verify "$work/b.bale")
tar_rss=$(rss_kib sh -c "tar -I 'zstd -3 -T0' -cf $work/t.tar.zst -C $payload .")

make_payload "$work/big" "$big_mib"
rm -rf "$work/big-view" && mkdir -p "$work/big-view" && ln -f "$work"/big/*.f32 "$work/big-view"/
big_pack_rss=$(rss_kib "$bale" pack "$work/big-view" -o "$work/big.bale" --name bench --version 1)
big_verify_rss=$(rss_kib "$bale" verify "$work/big.bale")
rm -f "$work/big.bale"

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
pct() { python3 -c "print(f'{($1/$2-1)*100:+.3f} %')"; }
cat <<MD
Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r); $(swift --version 2>&1 | head -1)
Payload: ${size_mib} MiB of float32 (4 files, standard normal); medians of $runs runs (hyperfine), same run.

| measure | bale | peer | ratio (bale/peer) | goal |
|---|---|---|---|---|
| pack time (s) | $pack_s | tar + zstd -3 -T0: $tar_s | $(ratio "$pack_s" "$tar_s") | ≤ 1.10 |
| output size (bytes) | $bale_bytes | $tar_bytes | $(pct "$bale_bytes" "$tar_bytes") | within 2 % |
| verify time (s) | $verify_s | zstd -dc \| sha256sum: $pipe_s | $(ratio "$verify_s" "$pipe_s") | ≤ 1.10 |
| verify time (s), stronger peer | $verify_s | zstd -dc \| openssl dgst -sha256: $openssl_s | $(ratio "$verify_s" "$openssl_s") | (context) |
| pack peak RSS (MiB), ${size_mib} MiB | $((pack_rss / 1024)) | tar + zstd: $((tar_rss / 1024)) | | ≤ 64 |
| verify peak RSS (MiB), ${size_mib} MiB | $((verify_rss / 1024)) | | | ≤ 64 |
| pack peak RSS (MiB), ${big_mib} MiB | $((big_pack_rss / 1024)) | | | ≤ 64 |
| verify peak RSS (MiB), ${big_mib} MiB | $((big_verify_rss / 1024)) | | | ≤ 64 |
MD
