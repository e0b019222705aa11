#!/usr/bin/env bash
# Resident memory of imgpipe under 10 minutes of mixed load (cold variants, a cached variant,
# metadata reads, bad requests) at 8 connections: RSS every minute, and the change from minute 1
# to minute 10 (target: within 10%). Run bench/run.sh once first (it builds the corpus).
#   MINUTES=10 bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")"
BENCH=$(pwd)
. "$BENCH/service.sh"
WORK=${WORK:-$BENCH/.work}
MINUTES=${MINUTES:-10}
PORT=18083
[ -f "$WORK/corpus/Path.jpg" ] || "$BENCH/corpus.sh" >/dev/null
# IMGPIPE_BIN=path runs that binary as it is; else the tree is built.
BIN=${IMGPIPE_BIN:-../build/imgpipe}
[ -n "${IMGPIPE_BIN:-}" ] || (cd .. && make build >/dev/null)
rm -rf "$WORK/soak-data"
"$BIN" serve --port $PORT --data "$WORK/soak-data" >"$WORK/soak.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; kill $WRK 2>/dev/null || true' EXIT
wait_healthy $PORT
IDS=$(upload_corpus $PORT)
IDS=$IDS wrk -t2 -c8 -d"$(load_seconds "$MINUTES")s" -s "$BENCH/soak.lua" "http://127.0.0.1:$PORT" >"$WORK/soak-wrk.txt" 2>&1 &
WRK=$!
watch_memory $PID $PORT "$MINUTES"
wait $WRK || true
grep RESULT "$WORK/soak-wrk.txt" || cat "$WORK/soak-wrk.txt"
