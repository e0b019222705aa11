#!/usr/bin/env bash
# How the NATS worker tier scales: cold transforms per second with 1, 2, 3, 4 workers, each worker
# capped at 0.4 CPU by a cgroup cpu quota (so that 4 workers fit on a small machine beside the rest),
# against one API node, nats-server and an S3 server that run outside the caps. Prints:
#
#   - transforms/s for each number of workers N, and its ratio to N x one worker's rate (target >= 0.85)
#   - CPU per transform of the cluster's imgpipe processes (API node + workers) over that of one
#     plain `imgpipe serve` (no --nats) doing the same chain on the same S3 server (target <= 1.15)
#   - the latency dispatch adds: p50 of a cheap new variant at concurrency 1, cluster with one
#     uncapped worker minus one plain process (target < 2 ms)
#
#   bench/scale.sh                      about 4 minutes
#   DURATION=5 bench/scale.sh           a short run (seconds per load run; default 20)
#   MAX_WORKERS=4 QUOTA_US=40000 LATENCY_REQUESTS=200 bench/scale.sh
#
# Needs root (cgroups: v1 cpu controller, or v2 with cpu), nats-server, moto_server (or
# CLUSTER_S3_ENDPOINT, see scripts/cluster-lib.sh), python3 with boto3, curl; wrk when installed
# (with bench/variants.lua, as bench/run.sh uses it), else a python3 load generator. Images: the
# six photos of bench/corpus.sh, else synthetic ones. Files go to bench/.work (git-ignored); only
# the processes and cgroups it creates are stopped and removed.
set -euo pipefail
cd "$(dirname "$0")"
BENCH=$(pwd)
ROOT=$(cd .. && pwd)
WORK=${WORK:-$BENCH/.work}
DURATION=${DURATION:-20}
MAX_WORKERS=${MAX_WORKERS:-4}
QUOTA_US=${QUOTA_US:-40000}
PERIOD_US=100000
LATENCY_REQUESTS=${LATENCY_REQUESTS:-200}
export WORK
mkdir -p "$WORK"
export CLUSTER_DIR=$WORK/scale
rm -rf "$CLUSTER_DIR"
export CLUSTER_NAME=${CLUSTER_NAME:-scale}
. "$ROOT/scripts/cluster-lib.sh"
log() { cl_log "$@"; }

[ "$(id -u)" -eq 0 ] || cl_die "bench/scale.sh needs root: it makes cgroups"
cl_init
TICK=$(getconf CLK_TCK)

# ------------------------------------------------------------------------------------ cgroups
if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    CG_VERSION=1
    CG_BASE=/sys/fs/cgroup/cpu
elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    CG_VERSION=2
    CG_BASE=/sys/fs/cgroup
else
    cl_die "no cgroup cpu controller (neither /sys/fs/cgroup/cpu nor cgroup v2 with cpu)"
fi
CGROUPS=()
# cg_make NAME: a cgroup capped at QUOTA_US per PERIOD_US of CPU; sets CG.
cg_make() {
    CG=$CG_BASE/imgpipe-scale-$$-$1
    mkdir "$CG"
    CGROUPS+=("$CG")
    if [ $CG_VERSION = 1 ]; then
        echo $PERIOD_US >"$CG/cpu.cfs_period_us"
        echo "$QUOTA_US" >"$CG/cpu.cfs_quota_us"
    else
        grep -qw cpu "$CG_BASE/cgroup.subtree_control" || echo +cpu >"$CG_BASE/cgroup.subtree_control"
        echo "$QUOTA_US $PERIOD_US" >"$CG/cpu.max"
    fi
}
# cg_throttled CG: "periods throttled" from cpu.stat (the same keys in v1 and v2).
cg_throttled() { awk '$1=="nr_periods" {p=$2} $1=="nr_throttled" {t=$2} END {print p+0, t+0}' "$1/cpu.stat"; }
cg_remove_all() {
    local d p
    for d in "${CGROUPS[@]}"; do
        [ -d "$d" ] || continue
        # Only our workers were ever put there, and they are stopped by now; a straggler would keep
        # the group busy, so it goes back to the parent group first.
        while read -r p; do echo "$p" >"$CG_BASE/cgroup.procs" 2>/dev/null || true; done <"$d/cgroup.procs"
        rmdir "$d" 2>/dev/null || log "scale: could not remove the cgroup $d"
    done
}

finish() {
    local status=$?
    set +e
    trap - INT TERM EXIT
    CL_GRACE=12 cl_stop_all
    cg_remove_all
    [ "$status" = 0 ] || log "scale: logs in $CLUSTER_DIR"
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------------------------ images
IMG=$WORK/scale-images
mkdir -p "$IMG"
PHOTOS=()
if [ ! -f "$WORK/corpus/Path.jpg" ]; then
    # bench/corpus.sh copies the six photos first; its last step (an 8000x8000 image) needs the
    # vips CLI, which this benchmark does not, so a failure there is fine.
    log "making the corpus (bench/corpus.sh)"
    "$BENCH/corpus.sh" >/dev/null 2>&1 || true
fi
for p in Autumn Path ColdRipple FallenLeaf EveningGlow ColorfulCups; do
    [ -f "$WORK/corpus/$p.jpg" ] && PHOTOS+=("$WORK/corpus/$p.jpg")
done
IMAGES_ARE="the 2560x1600 JPEG photos of bench/corpus.sh"
if [ ${#PHOTOS[@]} -eq 0 ]; then
    IMAGES_ARE="synthetic 2560x1600 JPEGs (gradients and noise; bench/corpus.sh could not fetch its photos)"
    for n in 1 2 3; do
        if [ ! -f "$IMG/synthetic-$n.jpg" ]; then
            python3 - "$IMG/synthetic-$n.png" "$n" <<'PY'
import random, struct, sys, zlib
path, seed = sys.argv[1], int(sys.argv[2])
w, h = 2560, 1600
rnd = random.Random(seed)
base = bytes((x * (seed + 1) // 11 + (x % 3) * 70) & 255 for x in range(w * 3))
raw = bytearray()
for y in range(h):
    noise = rnd.randbytes(w * 3)
    shift = (y * (seed + 2)) // 9
    raw += b"\0" + bytes(((a + shift) ^ (b & 15)) & 255 for a, b in zip(base, noise))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
with open(path, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(bytes(raw), 1)) + chunk(b"IEND", b""))
PY
            "$CL_IMGPIPE" transform "$IMG/synthetic-$n.png" "$IMG/synthetic-$n.jpg" 'convert:jpeg' >/dev/null
            rm -f "$IMG/synthetic-$n.png"
        fi
        PHOTOS+=("$IMG/synthetic-$n.jpg")
    done
fi
# The cheap transform of the latency test starts from a small original (no mipmap, little to decode).
"$CL_IMGPIPE" transform "${PHOTOS[0]}" "$IMG/small.jpg" 'scale:480x' >/dev/null

# ------------------------------------------------------------------------------------ load
cat >"$WORK/scale-load.py" <<'PY'
#!/usr/bin/env python3
"""bench/scale.sh's load generator (when wrk is not installed, and for the latency test).

    scale-load.py MODE PORT IDS CONNECTIONS SECONDS COUNT OFFSET

MODE rotate: /bytes/<id>/rotate:10.<k>|convert:png|scale:<w>x<h>/ as bench/variants.lua asks
(imgpipe-rotate); MODE cheap: /image/<id>/scale:<w>x<h>/. Request k (from OFFSET on) is a variant
nobody asked for before. SECONDS > 0: run that long; else COUNT requests. Keep-alive connections.
Prints the RESULT line of bench/report.lua (with p50_ms) and the answers by status.
"""
import http.client
import sys
import threading
import time

mode, port, ids = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
conns, seconds, count, offset = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
lock = threading.Lock()
state = {"k": offset, "errors": 0, "last": 0.0}
statuses, latencies = {}, []


def path(k):
    photo, k = ids[k % len(ids)], k // len(ids)
    if mode == "rotate":
        return "/bytes/%s/rotate:10.%06d%%7Cconvert:png%%7Cscale:%dx%d/" % (
            photo, (k // 231) % 1000000, 190 + k % 21, 95 + (k // 21) % 11)
    return "/image/%s/scale:%dx%d/" % (photo, 16 + k % 400, 16 + k // 400)


def run(end):
    conn = None
    while True:
        with lock:
            if (seconds > 0 and time.monotonic() >= end) or (seconds <= 0 and state["k"] >= offset + count):
                break
            k = state["k"]
            state["k"] += 1
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", path(k))
            answer = conn.getresponse()
            answer.read()
            code = answer.status
            if (answer.getheader("Connection") or "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            code = None
            if conn is not None:
                conn.close()
            conn = None
        took = time.perf_counter() - t0
        with lock:
            if code is None:
                state["errors"] += 1
            else:
                statuses[code] = statuses.get(code, 0) + 1
                if code < 300:
                    latencies.append(took)
            state["last"] = time.monotonic()
    if conn is not None:
        conn.close()


start = time.monotonic()
threads = [threading.Thread(target=run, args=(start + seconds,)) for _ in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = max(state["last"] - start, 1e-9)
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")


requests = sum(statuses.values()) + state["errors"]
non2xx = sum(n for c, n in statuses.items() if c >= 300)
print("RESULT requests=%d errors=%d non2xx=%d p50_ms=%.2f p99_ms=%.2f rps=%.2f" % (
    requests, state["errors"], non2xx, pct(0.5), pct(0.99), len(latencies) / elapsed))
print("STATUSES " + " ".join("%d=%d" % (c, n) for c, n in sorted(statuses.items())))
PY
if command -v wrk >/dev/null; then LOADGEN=wrk; else LOADGEN=python3; fi

field() { grep -o "$1=[0-9.a-z]*" <<<"$2" | head -n 1 | cut -d= -f2; }

# throughput PORT IDS CONNECTIONS -> "ok_per_s non2xx_and_errors load_generator_cpu_ticks" for
# DURATION seconds of cold rotate chains (bench/variants.lua's imgpipe-rotate:
# rotate:10.xxxxxx|convert:png|scale:WxH, every one new). The load generator's CPU comes from the
# subshell's `times` (its children's user and system time).
throughput() {
    local port=$1 ids=$2 conns=$3 out requests bad rps ticks
    if [ $LOADGEN = wrk ]; then
        out=$(MODE=imgpipe-rotate IDS=$ids wrk -t2 -c"$conns" -d"${DURATION}s" --timeout 60s \
            -s "$BENCH/variants.lua" "http://127.0.0.1:$port" 2>&1; times)
    else
        out=$(python3 "$WORK/scale-load.py" rotate "$port" "$ids" "$conns" "$DURATION" 0 0; times)
    fi
    echo "$out" >>"$WORK/scale-load.log"
    ticks=$(tail -n 1 <<<"$out" | awk -v hz="$TICK" '{n = 0; for (i = 1; i <= 2; i++) {split($i, a, "m");
        sub("s", "", a[2]); n += a[1] * 60 + a[2]} printf "%d", n * hz}')
    requests=$(field requests "$out")
    [ -n "$requests" ] || cl_die "load generator failed: $out"
    bad=$(($(field non2xx "$out") + $(field errors "$out")))
    rps=$(field rps "$out")
    [ "$bad" = 0 ] || log "  warning: $bad answers were not 2xx ($(grep STATUSES <<<"$out" || true))"
    # wrk's rps counts every answer; only the good ones count here.
    awk -v r="$rps" -v n="$requests" -v b="$bad" -v lg=$LOADGEN -v t="$ticks" \
        'BEGIN {ok = (lg == "wrk" && n > 0) ? r * (n - b) / n : r; printf "%.2f %d %d\n", ok, b, t}'
}

# latency PORT ID -> p50 ms of LATENCY_REQUESTS new cheap variants (scale:WxH of a 480-pixel JPEG),
# one at a time, after 10 unmeasured ones.
latency() {
    local out
    python3 "$WORK/scale-load.py" cheap "$1" "$2" 1 0 10 0 >/dev/null
    out=$(python3 "$WORK/scale-load.py" cheap "$1" "$2" 1 0 "$LATENCY_REQUESTS" 1000)
    echo "$out" >>"$WORK/scale-load.log"
    [ "$(field non2xx "$out")" = 0 ] && [ "$(field errors "$out")" = 0 ] ||
        log "  warning: latency run: $(grep STATUSES <<<"$out")"
    field p50_ms "$out"
}

# upload PORT FILE -> id
upload() {
    local out
    out=$(curl -s -m 300 -F "file=@$2" "http://127.0.0.1:$1/image/upload/")
    python3 -c 'import json, sys; print(json.loads(sys.argv[1])["id"])' "$out" 2>/dev/null || {
        log "scale: upload of $2 to port $1 failed: $out"
        return 1
    }
}
upload_photos() {
    local ids="" id p
    for p in "${PHOTOS[@]}"; do
        id=$(upload "$1" "$p") || return 1
        ids="$ids${ids:+,}$id"
    done
    echo "$ids"
}

# metric NAME PORT... -> the sum of that sample on these /metrics pages (NAME may carry labels).
metric() {
    local name=$1 port total=0 v
    shift
    for port in "$@"; do
        v=$(curl -s -m 5 "http://127.0.0.1:$port/metrics" | awk -v n="$name" '$1 == n {v = $2} END {printf "%d", v}')
        total=$((total + v))
    done
    echo "$total"
}
# settle NAME PORT...: until that counter stops moving for a second (jobs still running when the
# load generator stopped are finished and counted), 60 s at most.
settle() {
    local before after
    after=$(metric "$@")
    for _ in $(seq 1 60); do
        before=$after
        sleep 1
        after=$(metric "$@")
        [ "$after" = "$before" ] && return 0
    done
}
machine_cpu() { awk '$1 == "cpu" {t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6}' /proc/stat; }
busy_pct() { # "total idle" before, after
    awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, " "); split(b, y, " "); t = y[1] - x[1];
        printf "%.0f", (t > 0 ? 100 * (1 - (y[2] - x[2]) / t) : 0)}'
}
ms_per() { awk -v t="$1" -v n="$2" -v hz="$TICK" 'BEGIN {if (n > 0) printf "%.1f", t * 1000 / hz / n; else print "n/a"}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "n/a"}'; }
verdict() { # VALUE OP TARGET -> PASS, FAIL or n/a
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == "<=") ? v <= t : (op == ">=") ? v >= t : v < t;
        print ((v == "n/a" || v == "") ? "n/a" : (ok ? "PASS" : "FAIL"))}'
}

: >"$WORK/scale-load.log"
log "scale: images: ${#PHOTOS[@]} $IMAGES_ARE; load generator $LOADGEN; $DURATION s per load run"

# ------------------------------------------------------------------------------------ servers
cl_start_nats || exit 1
# STORE=local: one directory shared by every process instead of S3 (moto, in Python, costs a third
# of a worker's CPU per transform, which a 2-core machine cannot give beside 4 capped workers).
if [ "${STORE:-s3}" = local ]; then
    cl_use_local_store "$CL_DIR/store"
    PLAIN_STORAGE_ARGS=()
    STORE_IS="a local directory shared by every process"
else
    cl_start_s3 || exit 1
    PLAIN_STORAGE_ARGS=(--storage "s3://$CL_BUCKET/plain/" --s3-endpoint "$CL_S3_ENDPOINT"
        --aws-access-key-id "$CL_S3_KEY" --aws-secret-access-key "$CL_S3_SECRET")
    STORE_IS="the same S3 server"
fi

# ------------------------------------------------------------------------------------ one plain process
log "scale: one plain imgpipe serve (no --nats), 1 worker thread, storage on $STORE_IS"
mkdir -p "$CL_DIR/plain"
cl_free_port
PLAIN_PORT=$CL_PORT
cl_spawn plain 2 "$CL_DIR/plain/log" "$CL_IMGPIPE" serve --host 127.0.0.1 --port "$PLAIN_PORT" \
    --data "$CL_DIR/plain" --workers 1 --queue 256 ${PLAIN_STORAGE_ARGS[@]+"${PLAIN_STORAGE_ARGS[@]}"}
PLAIN_PID=$CL_LAST_PID
cl_wait_ready plain "$PLAIN_PID" 60 cl_log_has "$CL_DIR/plain/log" "listening on http://127.0.0.1:$PLAIN_PORT" || exit 1
SMALL_ID=$(upload "$PLAIN_PORT" "$IMG/small.jpg") || exit 1
PLAIN_P50=$(latency "$PLAIN_PORT" "$SMALL_ID")
log "  p50 of a cheap new variant at concurrency 1: $PLAIN_P50 ms"
IDS=$(upload_photos "$PLAIN_PORT") || exit 1
t0=$(metric imgpipe_transforms_total "$PLAIN_PORT")
c0=$(cl_cpu_ticks "$PLAIN_PID")
out=$(throughput "$PLAIN_PORT" "$IDS" 2) || exit 1
read -r PLAIN_RPS _ _ <<<"$out"
settle imgpipe_transforms_total "$PLAIN_PORT"
PLAIN_TRANSFORMS=$(($(metric imgpipe_transforms_total "$PLAIN_PORT") - t0))
PLAIN_CPU=$(ms_per $(($(cl_cpu_ticks "$PLAIN_PID") - c0)) "$PLAIN_TRANSFORMS")
log "  c=2: $PLAIN_RPS transforms/s, $PLAIN_CPU ms CPU per transform ($PLAIN_TRANSFORMS transforms)"
cl_stop "$PLAIN_PID"

# ------------------------------------------------------------------------------------ the cluster
cl_start_api api || exit 1
API_PORT=$CL_LAST_PORT
API_PID=$CL_LAST_PID
log "scale: cluster, one uncapped worker: dispatch latency"
cl_start_worker w0 || exit 1
W0_PID=$CL_LAST_PID
SMALL_ID=$(upload "$API_PORT" "$IMG/small.jpg") || exit 1
CLUSTER_P50=$(latency "$API_PORT" "$SMALL_ID")
log "  p50 of a cheap new variant at concurrency 1: $CLUSTER_P50 ms (plain: $PLAIN_P50 ms)"
cl_stop "$W0_PID"

declare -A R_RPS R_CPU R_API R_BAD R_BUSY R_THR R_IO R_OUT R_OTHER
WORKER_PIDS=()
WORKER_PORTS=()
for n in $(seq 1 "$MAX_WORKERS"); do
    cg_make "w$n"
    CL_CGROUP=$CG cl_start_worker "w$n" || exit 1
    WORKER_PIDS+=("$CL_LAST_PID")
    WORKER_PORTS+=("$CL_LAST_PORT")
    conns=$((2 * n))
    log "scale: $n worker(s) at $((QUOTA_US * 100 / PERIOD_US))% of a CPU each, $conns connections"
    IDS=$(upload_photos "$API_PORT") || exit 1 # new ids: every variant of this run is new
    t0=$(metric imgpipe_transforms_total "${WORKER_PORTS[@]}")
    io0=()
    for op in head get put; do io0+=("$(metric "imgpipe_storage_requests_total{op=\"$op\"}" "${WORKER_PORTS[@]}")"); done
    c0=$(cl_cpu_ticks "$API_PID" "${WORKER_PIDS[@]}")
    a0=$(cl_cpu_ticks "$API_PID")
    o0=$(cl_cpu_ticks "$CL_NATS_PID" ${CL_S3_PID:+"$CL_S3_PID"})
    m0=$(machine_cpu)
    thr0=()
    for g in "${CGROUPS[@]}"; do thr0+=("$(cg_throttled "$g")"); done
    out=$(throughput "$API_PORT" "$IDS" "$conns") || exit 1
    read -r rps bad load_ticks <<<"$out"
    m1=$(machine_cpu)
    c1=$(cl_cpu_ticks "$API_PID" "${WORKER_PIDS[@]}")
    o1=$(cl_cpu_ticks "$CL_NATS_PID" ${CL_S3_PID:+"$CL_S3_PID"})
    # CPU the machine spent on anything but this benchmark's processes during the load run (other
    # processes, interrupts): when it is large, every figure of the run is disturbed.
    R_OTHER[$n]=$(awk -v a="$m0" -v b="$m1" -v ours=$((c1 - c0 + o1 - o0 + load_ticks)) -v hz="$TICK" -v d="$DURATION" \
        'BEGIN {split(a, x, " "); split(b, y, " "); busy = (y[1] - x[1]) - (y[2] - x[2]);
            printf "%.0f", 100 * (busy - ours) / (hz * d)}')
    settle imgpipe_transforms_total "${WORKER_PORTS[@]}"
    transforms=$(($(metric imgpipe_transforms_total "${WORKER_PORTS[@]}") - t0))
    R_RPS[$n]=$rps
    R_BAD[$n]=$bad
    R_CPU[$n]=$(ms_per $(($(cl_cpu_ticks "$API_PID" "${WORKER_PIDS[@]}") - c0)) "$transforms")
    R_API[$n]=$(ms_per $(($(cl_cpu_ticks "$API_PID") - a0)) "$transforms")
    R_OUT[$n]=$(ms_per $(($(cl_cpu_ticks "$CL_NATS_PID" ${CL_S3_PID:+"$CL_S3_PID"}) - o0)) "$transforms")
    R_BUSY[$n]=$(busy_pct "$m0" "$m1")
    io=""
    i=0
    for op in head get put; do
        v=$(metric "imgpipe_storage_requests_total{op=\"$op\"}" "${WORKER_PORTS[@]}")
        io="$io${io:+ }$op $(awk -v d=$((v - io0[i])) -v n="$transforms" 'BEGIN {if (n > 0) printf "%.2f", d / n; else print "n/a"}')"
        i=$((i + 1))
    done
    R_IO[$n]=$io
    thr=""
    i=0
    for g in "${CGROUPS[@]}"; do # the capped workers' share of periods in which the cap bit
        thr="$thr${thr:+ }$(awk -v a="${thr0[i]:-0 0}" -v b="$(cg_throttled "$g")" 'BEGIN {split(a, x, " "); split(b, y, " ");
            p = y[1] - x[1]; printf "%.0f%%", (p > 0 ? 100 * (y[2] - x[2]) / p : 0)}')"
        i=$((i + 1))
    done
    R_THR[$n]=$thr
    log "  $rps transforms/s ($transforms transforms), ${R_CPU[$n]} ms CPU per transform (API node ${R_API[$n]}), machine ${R_BUSY[$n]}% busy, throttled $thr, others ${R_OTHER[$n]}% of a core"
done

# ------------------------------------------------------------------------------------ report
ONE=${R_RPS[1]}
WORST=""
{
echo "## imgpipe worker tier: scaling with capped workers, $(date -u +%Y-%m-%d), $(nproc) cores"
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r)"
echo "Each worker: 1 thread, cgroup v$CG_VERSION cpu quota ${QUOTA_US} us per ${PERIOD_US} us ($(awk -v q="$QUOTA_US" -v p=$PERIOD_US 'BEGIN {printf "%.2f", q / p}') CPU)."
echo "Outside the caps: one API node, nats-server $(nats-server --version 2>/dev/null | sed 's/^nats-server: *//'), store: $( [ "${STORE:-s3}" = local ] && echo "a local directory shared by all" || { [ -n "$CL_S3_PID" ] && echo moto_server || echo "the S3 server at $CL_S3_ENDPOINT"; }), the load generator ($LOADGEN)."
echo "Load: ${DURATION} s of new \`rotate:10.xxxxxx|convert:png|scale:WxH\` variants (bench/variants.lua's imgpipe-rotate) of $IMAGES_ARE, 2 connections per worker."
echo
echo "| workers | connections | transforms/s | vs N x one worker | CPU ms per transform: API node + workers (API node) | NATS + S3 server CPU ms per transform | worker S3 requests per transform | cap throttled (per worker) | machine busy | others, % of a core | non-2xx |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for n in $(seq 1 "$MAX_WORKERS"); do
    r=$(awk -v a="${R_RPS[$n]}" -v b="$ONE" -v n="$n" 'BEGIN {if (b > 0) printf "%.2f", a / (n * b); else print "n/a"}')
    if [ "$n" -gt 1 ] && [ "$r" != n/a ]; then
        if [ -z "$WORST" ] || awk -v a="$r" -v b="$WORST" 'BEGIN {exit !(a < b)}'; then WORST=$r; WORST_N=$n; fi
    fi
    echo "| $n | $((2 * n)) | ${R_RPS[$n]} | $r | ${R_CPU[$n]} (${R_API[$n]}) | ${R_OUT[$n]} | ${R_IO[$n]} | ${R_THR[$n]} | ${R_BUSY[$n]}% | ${R_OTHER[$n]} | ${R_BAD[$n]} |"
done
echo "| plain \`imgpipe serve --workers 1\` (no NATS), uncapped | 2 | $PLAIN_RPS | | $PLAIN_CPU | | | | | | |"
echo
CPU_RATIO=$(ratio "${R_CPU[1]}" "$PLAIN_CPU")
ADDED=$(awk -v a="$CLUSTER_P50" -v b="$PLAIN_P50" 'BEGIN {printf "%.2f", a - b}')
echo "Dispatch latency: p50 of $LATENCY_REQUESTS new \`scale:WxH\` variants of a 480-pixel JPEG, one at a time: plain $PLAIN_P50 ms, cluster with one uncapped worker $CLUSTER_P50 ms. Not only dispatch differs: the worker reads the original from its disk cache where the plain process GETs it from S3 every time, and the worker HEADs the variant once more (its idempotency check)."
echo
echo "scaling: worst N-worker rate over N x one worker: ${WORST:-n/a}${WORST:+ (N=$WORST_N)} (target >= 0.85): $(verdict "${WORST:-n/a}" ">=" 0.85)"
echo "CPU per transform: cluster (1 worker) ${R_CPU[1]} ms over plain $PLAIN_CPU ms: $CPU_RATIO (target <= 1.15): $(verdict "$CPU_RATIO" "<=" 1.15)"
echo "dispatch latency: p50 added by the cluster: $ADDED ms (target < 2 ms): $(verdict "$ADDED" "<" 2)"
OTHERS=$(for n in $(seq 1 "$MAX_WORKERS"); do echo "${R_OTHER[$n]}"; done | sort -n | tail -n 1)
if [ "${OTHERS:-0}" -gt 15 ]; then
    echo
    echo "Warning: during a load run, processes outside this benchmark (or interrupts) used up to $OTHERS% of a core: the figures are disturbed; run again on an idle machine."
fi
if [ "$(nproc)" -le 2 ]; then
    echo
    echo "Note: $(nproc) cores. With $MAX_WORKERS workers the caps allow $(awk -v n="$MAX_WORKERS" -v q="$QUOTA_US" -v p=$PERIOD_US 'BEGIN {printf "%.1f", n * q / p}') CPU to the workers, and the API node, nats-server, the S3 server and the load generator need CPU of their own: when 'machine busy' nears 100% the machine, not the design, is the limit."
fi
} | tee "$WORK/scale-results.md"
