#!/usr/bin/env bash
# imgpipe past saturation for 10 minutes: wrk at 64 connections sends uploads, cold thumbnails and
# rotate chains, a cached variant, metadata reads and bad requests to one instance with 2 workers
# and a queue of 8, far more than it can compute. Meanwhile a probe asks for a new variant every
# 200 ms and times the answer. Prints: answers by status (target: no 5xx but 503), how fast the
# 503s came (target: within 50 ms), RSS every minute (target: flat, within 10%).
#   MINUTES=10 bench/saturate.sh        (bench/run.sh or bench/corpus.sh makes the corpus)
set -euo pipefail
cd "$(dirname "$0")"
BENCH=$(pwd)
. "$BENCH/service.sh"
WORK=${WORK:-$BENCH/.work}
MINUTES=${MINUTES:-10}
CONNECTIONS=${CONNECTIONS:-64}
PORT=18084
[ -f "$WORK/corpus/Path.jpg" ] || "$BENCH/corpus.sh" >/dev/null
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
fi
# IMGPIPE_BIN=path runs that binary as it is (an A/B of two builds); else the tree is built.
BIN=${IMGPIPE_BIN:-../build/imgpipe}
[ -n "${IMGPIPE_BIN:-}" ] || (cd .. && make build >/dev/null)
rm -rf "$WORK/saturate-data"
"$BIN" serve --port $PORT --data "$WORK/saturate-data" --workers 2 --queue 8 \
    >"$WORK/saturate.log" 2>&1 &
PID=$!
WRK=""
PROBE=""
trap 'kill $PID 2>/dev/null || true; [ -z "$WRK" ] || kill $WRK 2>/dev/null || true; [ -z "$PROBE" ] || kill $PROBE 2>/dev/null || true' EXIT
wait_healthy $PORT
IDS=$(upload_corpus $PORT)
# The upload in the mix: a 640-pixel JPEG (no mipmap, so the data directory grows slowly).
"$BIN" transform "$WORK/corpus/Path.jpg" "$WORK/saturate-upload.jpg" 'scale:640x' >/dev/null
FIRST=${IDS%%,*}
IDS=$IDS UPLOAD="$WORK/saturate-upload.jpg" wrk -t2 -c"$CONNECTIONS" -d"$(load_seconds "$MINUTES")s" --timeout 30s \
    -s "$BENCH/saturate.lua" "http://127.0.0.1:$PORT" >"$WORK/saturate-wrk.txt" 2>&1 &
WRK=$!
# The probe: one new variant every 200 ms, answer code and time.
(
    n=0
    while kill -0 $WRK 2>/dev/null; do
        n=$((n + 1))
        curl -s -o /dev/null -w "%{http_code} %{time_total} probe-$n\n" -H "X-Request-Id: probe-$n" \
            "http://127.0.0.1:$PORT/image/$FIRST/scale:$((100 + n % 500))x$((100 + n / 500))%7Cconvert:webp/" || true
        sleep 0.2
    done
) >"$WORK/saturate-probe.txt" &
PROBE=$!
watch_memory $PID $PORT "$MINUTES"
wait $WRK || true
wait $PROBE 2>/dev/null || true
grep -E "STATUSES|RESULT" "$WORK/saturate-wrk.txt" || cat "$WORK/saturate-wrk.txt"
python3 - "$WORK/saturate-wrk.txt" "$WORK/saturate-probe.txt" "$WORK/saturate.log" <<'PY'
import re, sys
statuses = {}
for line in open(sys.argv[1]):
    if line.startswith("STATUSES"):
        for item in line.split()[1:]:
            code, n = item.split("=")
            statuses[int(code)] = int(n)
other_5xx = sum(n for code, n in statuses.items() if code >= 500 and code != 503)
print(f"answers: {sum(statuses.values())}; 2xx {sum(n for c, n in statuses.items() if c < 300)}; "
      f"503 {statuses.get(503, 0)}; other 5xx {other_5xx} (target 0)")
probe = [l.split() for l in open(sys.argv[2]) if l.strip()]  # code, seconds, request id
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")
for code in sorted({c for c, _, _ in probe}):
    times = [float(t) for c, t, _ in probe if c == code]
    print(f"probe {code}: {len(times)} answers, p50 {pct(times, .5):.1f} ms, p99 {pct(times, .99):.1f} ms, "
          f"max {max(times) * 1000:.1f} ms")
overload = [float(t) for c, t, _ in probe if c == "503"]
if overload:
    print(f"overload answered in at most {max(overload) * 1000:.1f} ms (target within 50 ms)")
# Where the slowest 503s spent their time: the service's own duration (access log: from the
# request's first byte read to its answer written) against the client's (connect, the kernel's
# queues, curl's own turns on a saturated CPU).
served = {}
for line in open(sys.argv[3], errors="replace"):  # one line per request: millions; few are probes
    if "probe-" not in line:
        continue
    rid = re.search(r'request_id[":=]+(probe-\d+)', line)
    ms = re.search(r'duration_ms[":=]+([\d.]+)', line)
    if rid and ms:
        served[rid.group(1)] = float(ms.group(1))
slowest = sorted((float(t), rid) for c, t, rid in probe if c == "503")[-5:]
if slowest and served:
    print("slowest 503s, client ms / in the service ms: " +
          ", ".join(f"{t * 1000:.1f} / {served.get(rid, float('nan')):.1f}" for t, rid in reversed(slowest)))
PY
echo "data directory: $(du -sh "$WORK/saturate-data" | cut -f1)"
