#!/usr/bin/env bash
# Load figures for `bale serve` (issue 7), measured side by side in one run with wrk:
#
#   1. a bare Hummingbird route (`bale-hello-server`, GET /hello): the ceiling on this machine;
#   2. the MLP 784-1024-1024-10 (scripts/bench_models.py) and the fixture CNN
#      (Tests/BaleONNXTests/Fixtures/models/cnn), built for cloud-x86_64, each served with
#      dynamic batching (the profile's default) and with --no-batching: POST .../infer, a KServe
#      v2 JSON request at batch 1;
#   3. the MLP with batching again with the default access log (level info, to /dev/null), to
#      show its cost (the other runs use BALE_LOG_LEVEL=warning);
#   4. reload under load: the MLP served from --model-dir while the bundle file is replaced
#      (version 2.0 and 1.0 in turn, copied to DIR/.tmp then renamed over the served file) a few
#      times, plus one reload through the admin API; it must give 0 non-2xx and 0 socket errors
#      and /metrics must count every reload (bale_model_loads_total);
#   5. the hello route again, so the ratios use the mean of a run before and after.
#
# For each run: requests/s, p50 and p99 latency, non-2xx responses and socket errors (from wrk),
# the server's resident memory (VmRSS) before and after, and its CPU time split between
# SwiftNIO's event-loop threads (NIO-ELT-*) and the rest (inference workers, Swift tasks).
# Prints one summary table at the end (Markdown); logs and raw wrk output stay in the work dir.
#
# Usage: benchmarks/serve-load.sh [--duration 30s] [--threads 2] [--connections 16] [--work-dir DIR]
# Run from a clone after `swift build -c release` (builds the two products it needs if missing).
# Needs python3 with numpy and onnx (for the MLP); installs wrk with apt-get when missing (root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=30s
wrk_threads=2
connections=16
work=
while (($#)); do
    case "$1" in
        --duration) duration=$2; shift 2 ;;
        --threads) wrk_threads=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --work-dir) work=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
seconds=${duration%s}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "error: --duration takes whole seconds, e.g. 30s" >&2; exit 2; }

bale=$root/.build/release/bale
hello=$root/.build/release/bale-hello-server
for product in bale bale-hello-server; do
    [[ -x $root/.build/release/$product ]] || swift build -c release --product "$product" >&2
done
if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

if [[ -z $work ]]; then
    work=$(mktemp -d /tmp/serve-load-XXXXXX)
else
    rm -rf "$work"
    mkdir -p "$work"
fi
work=$(cd "$work" && pwd)
server_pid=
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# MARK: fixtures: bundles, request bodies and wrk scripts
echo "fixtures in $work" >&2
python3 scripts/bench_models.py mlp "$work/mlp.onnx"
build() { # model.onnx name version
    "$bale" build "$1" --target cloud-x86_64 --name "$2" --version "$3" -o "$work/dist" \
        --created-at 2026-01-01T00:00:00Z >/dev/null
}
build "$work/mlp.onnx" mlp 1.0
build "$work/mlp.onnx" mlp 2.0
build Tests/BaleONNXTests/Fixtures/models/cnn/model.onnx cnn 1.0
python3 - "$work" <<'EOF'
# One KServe v2 JSON request per model at batch 1: random FP32 input, uniform in [-1, 1], seed 4.
import json, random, sys
random.seed(4)
for name, shape in {"mlp": [1, 784], "cnn": [1, 3, 16, 16]}.items():
    count = 1
    for d in shape:
        count *= d
    data = [round(random.uniform(-1, 1), 6) for _ in range(count)]
    body = {"inputs": [{"name": "input", "datatype": "FP32", "shape": shape, "data": data}]}
    with open(f"{sys.argv[1]}/{name}.json", "w") as f:
        json.dump(body, f, separators=(",", ":"))
EOF
# Every run's script ends by printing one machine-readable line (wrk's own report is kept too).
report='done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
        e.connect + e.read + e.write + e.timeout))
end'
printf '%s\n' "$report" >"$work/hello.lua"
for model in mlp cnn; do
    cat >"$work/$model.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = assert(io.open("$work/$model.json", "rb"))
wrk.body = file:read("*a")
file:close()
$report
EOF
done

# MARK: helpers
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rss_mib() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# CPU clock ticks (utime + stime) of the process's threads: "<event-loop threads> <all threads>".
# comm is in parentheses and may hold anything; utime and stime are the 12th and 13th fields
# after its closing parenthesis.
cpu_ticks() {
    cat /proc/"$1"/task/*/stat 2>/dev/null | awk '
        { close_at = 0; for (i = length($0); i > 0; i--) if (substr($0, i, 1) == ")") { close_at = i; break }
          open_at = index($0, "("); comm = substr($0, open_at + 1, close_at - open_at - 1)
          split(substr($0, close_at + 2), f, " "); t = f[12] + f[13]; total += t; if (comm ~ /^NIO-/) nio += t }
        END { print nio + 0, total + 0 }'
}
wait_ready() { # port path
    for _ in $(seq 600); do
        curl -sf -o /dev/null "http://127.0.0.1:$1$2" && return 0
        kill -0 "$server_pid" 2>/dev/null || { echo "error: server exited, see $work/*.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "error: server on port $1 not ready after 60 s" >&2
    exit 1
}
stop_server() {
    kill -TERM "$server_pid"
    wait "$server_pid" || { echo "error: server exited with $? on SIGTERM" >&2; exit 1; }
    server_pid=
}
rows=()
# run LABEL PORT URL-PATH SCRIPT: wrk against the server started last; appends a row to $rows.
run_wrk() {
    local label=$1 port=$2 path=$3 script=$4 before after cpu0 cpu1 line
    before=$(rss_mib "$server_pid")
    cpu0=$(cpu_ticks "$server_pid")
    echo "== $label: wrk -t$wrk_threads -c$connections -d${seconds}s --latency" >&2
    wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency -s "$script" "http://127.0.0.1:$port$path" \
        >"$work/wrk-$label.txt"
    after=$(rss_mib "$server_pid")
    cpu1=$(cpu_ticks "$server_pid")
    line=$(grep '^RESULT ' "$work/wrk-$label.txt")
    rows+=("$label $before $after $cpu0 $cpu1 ${line#RESULT }")
    sed -n '/Thread Stats/,/Requests\/sec/p' "$work/wrk-$label.txt" | grep -E 'Latency|requests in|Non-2xx|Socket|Requests/sec|99%|50%' >&2
}
start_bale() { # log-level log-file args...
    local level=$1 log=$2
    shift 2
    port=$(free_port)
    BALE_LOG_LEVEL=$level "$bale" serve --port "$port" "$@" 2>"$log" &
    server_pid=$!
    wait_ready "$port" /v2/health/ready
}

# MARK: runs
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
start_hello() {
    port=$(free_port)
    "$hello" "$port" >/dev/null 2>&1 &
    server_pid=$!
    wait_ready "$port" /hello
}
start_hello
run_wrk hello-before "$port" /hello "$work/hello.lua"
stop_server

for model in mlp cnn; do
    for mode in batching no-batching; do
        start_bale warning "$work/$model-$mode.log" "$work/dist/$model-1.0-cloud-x86_64.bale" "--$mode"
        run_wrk "$model-$mode" "$port" "/v2/models/$model/infer" "$work/$model.lua"
        stop_server
    done
done

# The access log at its default level (info), written to /dev/null: what logging costs.
start_bale info /dev/null "$work/dist/mlp-1.0-cloud-x86_64.bale" --batching
run_wrk mlp-batching-accesslog "$port" /v2/models/mlp/infer "$work/mlp.lua"
stop_server

# Reload under load: replace the served file a few times and reload once through the admin API.
models=$work/models
mkdir -p "$models"
cp "$work/dist/mlp-1.0-cloud-x86_64.bale" "$models/mlp.bale"
printf 'serve-load-token\n' >"$work/admin-token"
start_bale notice "$work/reload.log" --model-dir "$models" --poll-interval 1s --admin-token-file "$work/admin-token"
reload_port=$port
swaps=3
(
    interval=$(((seconds - 4) / (swaps + 1) > 2 ? (seconds - 4) / (swaps + 1) : 2))
    sleep 2
    for ((i = 0; i < swaps; i++)); do
        version=$((i % 2 == 0 ? 2 : 1)).0
        cp "$work/dist/mlp-$version-cloud-x86_64.bale" "$models/.tmp"
        mv -f "$models/.tmp" "$models/mlp.bale"
        echo "$(date -u +%T.%N | cut -c1-12) renamed mlp $version over the served file" >>"$work/reload-events.txt"
        sleep "$interval"
    done
    answer=$(curl -sf -X POST -H 'Authorization: Bearer serve-load-token' "http://127.0.0.1:$reload_port/v2/repository/models/mlp/load")
    echo "$(date -u +%T.%N | cut -c1-12) admin load: $answer" >>"$work/reload-events.txt"
) &
swapper=$!
run_wrk mlp-reload "$reload_port" /v2/models/mlp/infer "$work/mlp.lua"
wait "$swapper"
# The last rename is picked up two polls after it; wait for it (at most 15 s) before counting.
for _ in $(seq 150); do
    curl -sf "http://127.0.0.1:$reload_port/metrics" >"$work/reload-metrics.txt"
    awk '/^bale_model_loads_total\{.*outcome="success"/ { n += $NF } END { exit !(n >= '$((swaps + 2))') }' "$work/reload-metrics.txt" && break
    sleep 0.1
done
served_version=$(curl -sf "http://127.0.0.1:$reload_port/v2/models/mlp" | python3 -c 'import json, sys; print(json.load(sys.stdin)["versions"][0])')
stop_server
loads_ok=$(awk '/^bale_model_loads_total\{.*outcome="success"/ { n += $NF } END { print n + 0 }' "$work/reload-metrics.txt")
loads_failed=$(awk '/^bale_model_loads_total\{.*outcome="failure"/ { n += $NF } END { print n + 0 }' "$work/reload-metrics.txt")
not_ok=$(awk '/^bale_server_requests_total\{/ && !/status="200"/ { n += $NF } END { print n + 0 }' "$work/reload-metrics.txt")
served_ok=$(awk '/^bale_server_requests_total\{/ && /status="200"/ { n += $NF } END { print n + 0 }' "$work/reload-metrics.txt")

start_hello
run_wrk hello-after "$port" /hello "$work/hello.lua"
stop_server
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# MARK: summary
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
echo
echo "Machine: $(nproc) cores, $cpu; $(. /etc/os-release && echo "$PRETTY_NAME"); $(swift --version 2>/dev/null | head -1 | sed 's/^.*\(Swift version [^ ]*\).*$/\1/')"
echo "Run: $started to $finished, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); wrk -t$wrk_threads -c$connections -d${seconds}s --latency, batch 1 (one KServe v2 JSON request per call)"
printf '%s\n' "${rows[@]}" | awk -v hz="$(getconf CLK_TCK)" '
    {
        label[NR] = $1; rss[NR] = $2 " → " $3; nio = ($6 - $4) / hz; cpu = ($7 - $5) / hz
        for (i = 8; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        seconds = v["duration_us"] / 1e6; rate[NR] = v["requests"] / seconds
        p50[NR] = v["p50_us"] / 1000; p99[NR] = v["p99_us"] / 1000; non2xx[NR] = v["non2xx"]; socket[NR] = v["socket"]
        cpu_text[NR] = sprintf("%.0f %% (%.0f %% in event loops)", 100 * cpu / seconds, cpu > 0 ? 100 * nio / cpu : 0)
        if ($1 ~ /^hello/) { hello += rate[NR]; hellos++ }
    }
    END {
        base = hello / hellos
        print "| run | req/s | p50 ms | p99 ms | non-2xx | socket errors | RSS MiB before → after | server CPU (100 % = one core) | req/s ÷ hello |"
        print "|---|---|---|---|---|---|---|---|---|"
        for (i = 1; i <= NR; i++)
            printf "| %s | %.0f | %.2f | %.2f | %d | %d | %s | %s | %.3f |\n", label[i], rate[i], p50[i], p99[i], non2xx[i], socket[i], rss[i], cpu_text[i], rate[i] / base
    }'
echo
echo "Reload run (mlp-reload): $swaps bundle files renamed over the served one and 1 admin load during wrk;"
echo "  bale_model_loads_total: success $loads_ok (expected $((swaps + 2)): start-up + $swaps + 1), failure $loads_failed;"
echo "  bale_server_requests_total: status 200 $served_ok, other statuses $not_ok; version served at the end: $served_version"
sed 's/^/  /' "$work/reload-events.txt"
echo "Logs, wrk output and /metrics: $work"
