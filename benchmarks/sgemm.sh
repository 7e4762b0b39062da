#!/usr/bin/env bash
# 1024³ f32 GEMM GFLOP/s side by side in one run: Bale's C sgemm (every variant this CPU runs,
# 1 and 2 threads), the portable Swift loop, and numpy/OpenBLAS (best of runs before and after).
# Usage: benchmarks/sgemm.sh [size] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1024}"
rounds="${2:-5}"
swift build -c release --product bale-sgemm-bench >/dev/null
numpy() {
    # OpenBLAS picks its own kernel and cache sizes; drop any overrides in this command only.
    (unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
     OPENBLAS_NUM_THREADS="$1" python3 -c "
import numpy as np, time
n, r = $size, $rounds
a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)
best = min((lambda t: (a @ b, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(r))
print('numpy', $1, round(2 * n ** 3 / best / 1e9, 1))")
}
results="$( { numpy 1; numpy 2; .build/release/bale-sgemm-bench "$size" "$rounds"; numpy 1; numpy 2; } )"
echo "$results" | grep "^default-variant"
echo "$results" | grep -v '^default-variant' | awk '
    { key = $1 " " $2; if (!(key in g) || $3 > g[key]) g[key] = $3; if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
    END {
        printf "%-16s %7s %9s %9s\n", "gemm '"$size"'^3", "threads", "GFLOP/s", "vs numpy"
        for (i = 0; i < n; i++) {
            split(order[i], f, " "); ref = g["numpy " f[2]]
            printf "%-16s %7s %9.1f %9.2f\n", f[1], f[2], g[order[i]], (ref > 0 ? g[order[i]] / ref : 0)
        }
    }'
