#!/usr/bin/env bash
# Delta update vs full bundle (issue 8): the MLP 784-1024-1024-10 of scripts/bench_models.py
# (He-initialised, seed 4) built twice, the second time with only the last layer's weights changed
# (a fine-tune of the head). Reports the bundle and patch sizes, the time of `bale delta`, and
# the time of `bale deploy` of the full bundle vs `bale deploy --delta` on a device holding the
# first version.
#
# Usage: benchmarks/delta.sh [BALE]   (default: .build/debug/bale, built when missing)
# Needs: python3 with numpy and onnx. Work files go to $BENCH_DIR (default /tmp/bale-delta).
set -euo pipefail
cd "$(dirname "$0")/.."
bale=${1:-$PWD/.build/debug/bale}
[[ -x $bale ]] || { swift build --product bale >&2; bale=$PWD/.build/debug/bale; }
work=${BENCH_DIR:-/tmp/bale-delta}
rm -rf "$work" && mkdir -p "$work"

python3 - "$work" <<'PY'
import sys
from pathlib import Path
import numpy as np, onnx
from onnx import numpy_helper
sys.path.insert(0, "scripts")
from bench_models import mlp_model
out = Path(sys.argv[1])
model = onnx.load(str(mlp_model(out / "mlp-v1.onnx")))
for init in model.graph.initializer:
    if init.name == "fc2.w":  # the fine-tuned head
        w = numpy_helper.to_array(init)
        w = w + np.float32(0.01) * np.random.default_rng(7).standard_normal(w.shape).astype(np.float32)
        init.CopyFrom(numpy_helper.from_array(w, init.name))
onnx.save(model, str(out / "mlp-v2.onnx"))
PY

"$bale" keygen -o "$work/release.key" >/dev/null
for v in 1 2; do
    "$bale" build "$work/mlp-v$v.onnx" --name mlp --version "$v.0" --created-at 2026-11-26T00:00:00Z \
        --sign "$work/release.key" -o "$work/v$v" >/dev/null
done
v1=$(ls "$work"/v1/*.bale) v2=$(ls "$work"/v2/*.bale)

seconds() { local start=$(date +%s.%N); "$@" >/dev/null; printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)"; }
t_delta=$(seconds "$bale" delta "$v1" "$v2" -o "$work/v1-v2.delta" --quiet)
"$bale" deploy "$v1" --to "$work/device-full" --pubkey "$work/release.key.pub" --quiet
"$bale" deploy "$v1" --to "$work/device-delta" --pubkey "$work/release.key.pub" --quiet
t_full=$(seconds "$bale" deploy "$v2" --to "$work/device-full" --pubkey "$work/release.key.pub" --quiet)
t_apply=$(seconds "$bale" deploy --delta "$work/v1-v2.delta" --to "$work/device-delta" --pubkey "$work/release.key.pub" --quiet)
full_id=$(readlink "$work/device-full/current") delta_id=$(readlink "$work/device-delta/current")
[[ $full_id == "$delta_id" ]] || { echo "ids differ: $full_id vs $delta_id" >&2; exit 1; }

full=$(stat -c %s "$v2") patch=$(stat -c %s "$work/v1-v2.delta")
echo "| what | bytes | time (s) |"
echo "|---|---:|---:|"
echo "| full bundle mlp 2.0 | $full | deploy $t_full |"
echo "| delta patch 1.0 → 2.0 | $patch | make $t_delta, deploy --delta $t_apply |"
echo
echo "patch is $(echo "scale=1; $full / $patch" | bc)× smaller; both devices end on ${full_id#bundles/}"
