#!/usr/bin/env bash
# A whole imgpipe cluster on this machine, as the original project's docker-compose had it:
#
#   clients -> nginx :8000 -> 2 API nodes -> NATS JetStream (work queue) -> 3 workers
#                                  \_______ S3 (moto_server, else s3rver) ________/
#
#   scripts/cluster.sh                         (make cluster)
#   CLUSTER_PORT=8080 CLUSTER_WORKERS=5 scripts/cluster.sh
#
# Settings (environment): CLUSTER_PORT (nginx, default 8000), CLUSTER_HOST (nginx's address,
# default 127.0.0.1), CLUSTER_API_NODES (2), CLUSTER_WORKERS (3), CLUSTER_WORKER_THREADS (1),
# CLUSTER_DIR (default: a new temporary directory, removed at the end unless CLUSTER_KEEP=1),
# IMGPIPE (the binary, default build/imgpipe), and those of scripts/cluster-lib.sh (CLUSTER_NAME,
# CLUSTER_BUCKET, CLUSTER_PREFIX, CLUSTER_S3_ENDPOINT/KEY/SECRET to use an S3 server that already
# runs, NATS_PORT).
#
# It waits for each server to be ready, prints where everything runs, then keeps watching: a
# process that exits (say, a worker killed to see a job redelivered) is reported, the rest go on.
# Ctrl-C (or SIGTERM) stops everything it started, by the process groups it recorded.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/cluster-lib.sh"

PORT=${CLUSTER_PORT:-8000}
HOST=${CLUSTER_HOST:-127.0.0.1}
API_NODES=${CLUSTER_API_NODES:-2}
WORKERS=${CLUSTER_WORKERS:-3}

cl_init nginx
cl_port_open "$PORT" && cl_die "port $PORT is taken (set CLUSTER_PORT)"

finish() {
    local status=$?
    set +e
    trap - INT TERM EXIT
    if [ ${#CL_PIDS[@]} -gt 0 ]; then
        cl_log "cluster: stopping everything it started"
        cl_stop_all
    fi
    # A temporary directory goes, unless asked to keep it or start-up failed (its logs say why).
    if [ "$CL_DIR_IS_TEMP" = 1 ] && [ "${CLUSTER_KEEP:-0}" != 1 ] &&
        { [ "$status" = 0 ] || [ "$status" = 130 ] || [ "$status" = 143 ]; }; then
        rm -rf "$CL_DIR"
    else
        cl_log "cluster: logs and data kept in $CL_DIR"
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cl_start_nats || exit 1
cl_start_s3 || exit 1
API_PORTS=()
for i in $(seq 1 "$API_NODES"); do
    cl_start_api "api$i" || exit 1
    API_PORTS+=("$CL_LAST_PORT")
done
for i in $(seq 1 "$WORKERS"); do
    cl_start_worker "worker$i" || exit 1
done
cl_start_nginx "$HOST" "$PORT" "${API_PORTS[@]}" || exit 1

cl_summary
cat <<EOF

  Try:  curl -F file=@photo.jpg http://$HOST:$PORT/image/upload/
        curl 'http://$HOST:$PORT/image/<id>/rotate:10|convert:png|scale:200x100/'
        curl http://$HOST:$PORT/health
  Ctrl-C stops everything.
EOF

# Watch: report each process that exits, once. (sleep in the background and wait for it, so that
# Ctrl-C is handled at once.)
declare -A reported=()
while :; do
    for i in "${!CL_PIDS[@]}"; do
        pid=${CL_PIDS[$i]}
        [ -n "$pid" ] && [ -z "${reported[$pid]:-}" ] || continue
        if ! cl_alive "$pid"; then
            code=0
            wait "$pid" 2>/dev/null || code=$?
            reported[$pid]=1
            CL_PIDS[$i]=""
            cl_log "cluster: ${CL_NAMES[$i]} (pid $pid) exited with status $code; log ${CL_LOGS[$i]}"
        fi
    done
    sleep 1 &
    wait $! || true
done
