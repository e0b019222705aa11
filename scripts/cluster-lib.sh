# shellcheck shell=bash disable=SC2034
# Sourced by scripts/cluster.sh and bench/scale.sh: start the pieces of an imgpipe cluster on this
# machine (nats-server with JetStream, an S3-compatible server, API nodes, workers, nginx), wait
# until each is ready, and stop exactly what was started.
#
# Every process is started with setsid, so it leads a process group of its own; its PID is the
# group's id and is recorded in CL_PIDS. Stopping sends SIGTERM to those groups (then SIGKILL after
# a grace time) and to nothing else: nothing is ever killed by name.
#
# Settings (environment, all optional):
#   IMGPIPE             the binary (default build/imgpipe, relative to the repository)
#   CLUSTER_DIR         where config, data and logs go (default: a new temporary directory)
#   CLUSTER_NAME        --cluster of every imgpipe process (default imgpipe)
#   CLUSTER_BUCKET      bucket (default imgpipe), CLUSTER_PREFIX key prefix (default images/)
#   CLUSTER_S3_ENDPOINT an S3-compatible server that already runs (then no moto_server is started),
#                       with CLUSTER_S3_KEY and CLUSTER_S3_SECRET
#   NATS_PORT           port of nats-server (default: a free port)
#
# Needs bash 4.3+, python3 (free ports, the bucket), curl, nats-server, nginx, setsid.

CL_ROOT=${CL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
CL_PIDS=()   # process group leaders, in start order ("" once stopped)
CL_NAMES=()  # their names (nats, s3, api1, worker2, nginx, ...)
CL_LOGS=()   # their log files
CL_TIERS=()  # stop order: higher tiers stop first (nginx 3, API nodes 2, workers 1, NATS and S3 0)
CL_STARTS=() # their start times (/proc/PID/stat), so that a PID reused later is never signalled
CL_INFO=()   # one line per component for the summary
CL_USED_PORTS=" "
CL_LAST_PID=""

cl_log() { printf '%s\n' "$*" >&2; }
cl_die() {
    cl_log "cluster: $*"
    exit 1
}

# cl_init: resolves the binary and the directory, checks the tools. Call once, first.
cl_init() {
    set +m # background jobs stay in our process group, so setsid needs no fork and $! is the leader
    local bin=${IMGPIPE:-build/imgpipe}
    case $bin in
    /*) ;;
    *) if [ -x "$bin" ]; then bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin"); else bin=$CL_ROOT/$bin; fi ;;
    esac
    CL_IMGPIPE=$bin
    [ -x "$CL_IMGPIPE" ] || cl_die "no imgpipe binary at $CL_IMGPIPE (make build, or set IMGPIPE)"
    "$CL_IMGPIPE" worker --help >/dev/null 2>&1 ||
        cl_die "$CL_IMGPIPE has no 'worker' subcommand: build the NATS worker tier first (make build)"
    local tool missing=()
    for tool in python3 curl setsid nats-server "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
    [ ${#missing[@]} -eq 0 ] ||
        cl_die "missing: ${missing[*]} (nats-server, nginx, curl and python3 are Debian packages: apt-get install ${missing[*]})"
    if [ -n "${CLUSTER_DIR:-}" ]; then
        mkdir -p "$CLUSTER_DIR"
        CL_DIR=$(cd "$CLUSTER_DIR" && pwd)
        CL_DIR_IS_TEMP=0
    else
        CL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/imgpipe-cluster.XXXXXX")
        CL_DIR_IS_TEMP=1
    fi
    CL_NAME=${CLUSTER_NAME:-imgpipe}
    CL_BUCKET=${CLUSTER_BUCKET:-imgpipe}
    CL_PREFIX=${CLUSTER_PREFIX:-images/}
    CL_WORKER_THREADS=${CLUSTER_WORKER_THREADS:-1}
    # Signed links must verify on every API node: one secret for all of them.
    if [ -z "${IMGPIPE_SECRET:-}" ]; then
        IMGPIPE_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
        export IMGPIPE_SECRET
    fi
}

# cl_free_port: sets CL_PORT to a loopback port nothing listens on, never one handed out before in
# this run. (Not for $(...): the ports handed out are remembered in this shell.)
cl_free_port() {
    local p
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        p=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        case $CL_USED_PORTS in *" $p "*) continue ;; esac
        CL_USED_PORTS="$CL_USED_PORTS$p "
        CL_PORT=$p
        return 0
    done
    cl_die "no free port"
}

cl_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# cl_stat PID: sets CL_STAT to the fields of /proc/PID/stat after the command name, so that
# CL_STAT[0] is the state, [2] the process group, [11] utime, [12] stime, [19] the start time.
cl_stat() {
    local line=""
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    [ -n "$line" ] || return 1
    read -r -a CL_STAT <<<"${line##*) }"
}

# cl_ours PID: PID is still the process this run started (same start time), alive or a zombie.
cl_ours() {
    local i
    cl_stat "$1" || return 1
    for i in "${!CL_PIDS[@]}"; do
        [ "${CL_PIDS[$i]}" = "$1" ] && [ "${CL_STARTS[$i]}" = "${CL_STAT[19]}" ] && return 0
    done
    return 1
}

# cl_alive PID: the process exists and is not a zombie.
cl_alive() { cl_stat "$1" && [ "${CL_STAT[0]}" != Z ]; }

# cl_spawn NAME TIER LOG COMMAND...: starts COMMAND in a new session (its own process group), stdin
# from /dev/null, stdout and stderr to LOG. Sets CL_LAST_PID. With CL_CGROUP set (a cgroup
# directory), the process first writes its own PID into that group's cgroup.procs, then execs
# COMMAND: it runs capped from its first instruction, and keeps its PID.
cl_spawn() {
    local name=$1 tier=$2 log=$3
    shift 3
    if [ -n "${CL_CGROUP:-}" ]; then
        setsid sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CL_CGROUP" "$@" </dev/null >"$log" 2>&1 &
    else
        setsid "$@" </dev/null >"$log" 2>&1 &
    fi
    CL_LAST_PID=$!
    if cl_stat "$CL_LAST_PID"; then CL_STARTS+=("${CL_STAT[19]}"); else CL_STARTS+=("gone"); fi
    CL_PIDS+=("$CL_LAST_PID")
    CL_NAMES+=("$name")
    CL_LOGS+=("$log")
    CL_TIERS+=("$tier")
}

# cl_wait_ready NAME PID SECONDS COMMAND...: until COMMAND succeeds; fails (showing the end of the
# log) when PID exits first or the time is up.
cl_wait_ready() {
    local name=$1 pid=$2 seconds=$3 i log=""
    shift 3
    for i in "${!CL_PIDS[@]}"; do [ "${CL_PIDS[$i]}" = "$pid" ] && log=${CL_LOGS[$i]}; done
    for ((i = 0; i < seconds * 10; i++)); do
        "$@" && return 0
        if ! cl_alive "$pid"; then
            cl_log "cluster: $name (pid $pid) exited before it was ready; end of $log:"
            tail -n 20 "$log" >&2 || true
            return 1
        fi
        sleep 0.1
    done
    cl_log "cluster: $name (pid $pid) not ready after ${seconds} s; end of $log:"
    tail -n 20 "$log" >&2 || true
    return 1
}

cl_log_has() { grep -qF -- "$2" "$1" 2>/dev/null; }
cl_http_ok() { curl -fs -o /dev/null -m 2 "$1"; }

# cl_stop PID...: SIGTERM to each process group this run started, SIGKILL to what is left after
# CL_GRACE seconds (default 15: imgpipe lets requests in flight finish for 10 s), then reaps them.
# A PID is signalled only while it is still the process recorded at its start (cl_ours).
cl_stop() {
    local pid i deadline alive
    local -a targets=()
    for pid in "$@"; do
        [ -n "$pid" ] || continue
        if cl_ours "$pid"; then
            targets+=("$pid")
            # SIGCONT first: a process stopped with SIGSTOP (an outage test) cannot act on SIGTERM.
            kill -CONT -- "-$pid" 2>/dev/null || true
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    deadline=$((SECONDS + ${CL_GRACE:-15}))
    while [ $SECONDS -lt $deadline ]; do
        alive=0
        for pid in "${targets[@]}"; do cl_alive "$pid" && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for pid in "${targets[@]}"; do
        # Whatever is left in a group this run created (a leader that ignored SIGTERM, nginx
        # workers, a shell's children) is ours.
        if cl_ours "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
    done
    for pid in "$@"; do
        [ -n "$pid" ] || continue
        wait "$pid" 2>/dev/null || true
        for i in "${!CL_PIDS[@]}"; do [ "${CL_PIDS[$i]}" = "$pid" ] && CL_PIDS[$i]=""; done
    done
}

# cl_stop_all: everything still recorded, clients' side first: nginx, API nodes, workers, then
# NATS and the S3 server (workers finishing a job still need both).
cl_stop_all() {
    local tier i
    local -a group
    for tier in 3 2 1 0; do
        group=()
        for i in "${!CL_PIDS[@]}"; do
            [ -n "${CL_PIDS[$i]}" ] && [ "${CL_TIERS[$i]}" = "$tier" ] && group+=("${CL_PIDS[$i]}")
        done
        [ ${#group[@]} -eq 0 ] || cl_stop "${group[@]}"
    done
}

# ------------------------------------------------------------------------------------------ NATS
# cl_start_nats: nats-server with JetStream and a 16 KB max_payload (job messages carry ids and
# chains, never image bytes), store under $CL_DIR/nats. Sets CL_NATS_URL, CL_NATS_PORT, CL_NATS_PID
# and CL_NATS_MONITOR (its HTTP monitoring port: /varz, /jsz).
cl_start_nats() {
    local dir=$CL_DIR/nats
    mkdir -p "$dir/store"
    cl_free_port
    CL_NATS_PORT=${NATS_PORT:-$CL_PORT}
    cl_free_port
    CL_NATS_MONITOR=$CL_PORT
    cl_port_open "$CL_NATS_PORT" && cl_die "port $CL_NATS_PORT is taken (NATS_PORT)"
    cat >"$dir/nats.conf" <<EOF
listen: 127.0.0.1:$CL_NATS_PORT
http: 127.0.0.1:$CL_NATS_MONITOR
max_payload: 16384
jetstream {
    store_dir: "$dir/store"
    max_memory_store: 256MB
    max_file_store: 1GB
}
EOF
    cl_spawn nats 0 "$dir/nats.log" nats-server -c "$dir/nats.conf"
    CL_NATS_PID=$CL_LAST_PID
    cl_wait_ready nats "$CL_NATS_PID" 20 cl_log_has "$dir/nats.log" "Server is ready" || return 1
    CL_NATS_URL=nats://127.0.0.1:$CL_NATS_PORT
    CL_INFO+=("nats-server   pid $CL_NATS_PID  $CL_NATS_URL (JetStream, max_payload 16384; monitoring http://127.0.0.1:$CL_NATS_MONITOR/jsz)  log $dir/nats.log")
}

# -------------------------------------------------------------------------------------------- S3
# cl_start_s3: moto_server on a free port (as tests/s3/moto.py does), or the server named by
# CLUSTER_S3_ENDPOINT; then creates the bucket. Sets CL_S3_ENDPOINT, CL_S3_KEY, CL_S3_SECRET,
# CL_S3_PID (empty for an outside server) and CL_STORAGE (s3://bucket/prefix/).
cl_start_s3() {
    local dir=$CL_DIR/s3 port
    mkdir -p "$dir"
    CL_S3_PID=""
    if [ -n "${CLUSTER_S3_ENDPOINT:-}" ]; then
        CL_S3_ENDPOINT=$CLUSTER_S3_ENDPOINT
        CL_S3_KEY=${CLUSTER_S3_KEY:?CLUSTER_S3_KEY must be set with CLUSTER_S3_ENDPOINT}
        CL_S3_SECRET=${CLUSTER_S3_SECRET:?CLUSTER_S3_SECRET must be set with CLUSTER_S3_ENDPOINT}
        CL_INFO+=("S3            $CL_S3_ENDPOINT (not started here)")
    else
        command -v moto_server >/dev/null || cl_die "no S3-compatible server: moto_server is not on PATH.
  Either install moto with its server and boto3 for python3 (what the tests use: tests/s3/moto.py),
  or run any S3-compatible server (MinIO, Ceph RGW, ...) and point the cluster at it:
      CLUSTER_S3_ENDPOINT=http://127.0.0.1:9000 CLUSTER_S3_KEY=... CLUSTER_S3_SECRET=... $0"
        cl_free_port
        port=$CL_PORT
        CL_S3_KEY=testing
        CL_S3_SECRET=testing # moto checks no signature: any key does
        cl_spawn s3 0 "$dir/moto.log" moto_server -H 127.0.0.1 -p "$port"
        CL_S3_PID=$CL_LAST_PID
        cl_wait_ready moto_server "$CL_S3_PID" 30 cl_port_open "$port" || return 1
        CL_S3_ENDPOINT=http://127.0.0.1:$port
        CL_INFO+=("moto_server   pid $CL_S3_PID  $CL_S3_ENDPOINT (in memory: everything stored is gone when it stops)  log $dir/moto.log")
    fi
    cl_make_bucket "$CL_BUCKET" || return 1
    CL_STORAGE=s3://$CL_BUCKET/$CL_PREFIX
}

# cl_make_bucket NAME: creates the bucket with boto3 (path-style, us-east-1); an existing one is fine.
cl_make_bucket() {
    python3 - "$CL_S3_ENDPOINT" "$CL_S3_KEY" "$CL_S3_SECRET" "$1" <<'PY' || {
import sys
import boto3
from botocore.config import Config
endpoint, key, secret, bucket = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                  aws_secret_access_key=secret,
                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 4}))
try:
    s3.create_bucket(Bucket=bucket)
except s3.exceptions.BucketAlreadyOwnedByYou:
    pass
PY
        cl_log "cluster: could not create the bucket $1 at $CL_S3_ENDPOINT (python3 with boto3 is needed)"
        return 1
    }
}

# cl_use_local_store DIR: instead of S3, one local directory every process shares (all on this
# machine): each process's --data is DIR.
cl_use_local_store() {
    CL_STORAGE=""
    CL_SHARED_DATA=$1
    CL_S3_PID=""
    mkdir -p "$CL_SHARED_DATA"
    CL_INFO+=("store         local directory $CL_SHARED_DATA (shared by every process)")
}

# ------------------------------------------------------------------------------------ imgpipe
# The S3 and NATS flags every imgpipe process of the cluster takes.
cl_common_args() {
    if [ -z "${CL_STORAGE:-}" ]; then
        CL_ARGS=(--nats "$CL_NATS_URL" --cluster "$CL_NAME")
        return
    fi
    CL_ARGS=(--nats "$CL_NATS_URL" --cluster "$CL_NAME" --storage "$CL_STORAGE"
        --s3-endpoint "$CL_S3_ENDPOINT" --aws-access-key-id "$CL_S3_KEY" --aws-secret-access-key "$CL_S3_SECRET")
}

# cl_start_api NAME [EXTRA FLAGS...]: an API node on a free port. Sets CL_LAST_PORT, CL_LAST_PID.
cl_start_api() {
    local name=$1 dir=$CL_DIR/$1 port
    shift
    mkdir -p "$dir"
    cl_free_port
    port=$CL_PORT
    cl_common_args
    cl_spawn "$name" 2 "$dir/log" "$CL_IMGPIPE" serve --host 127.0.0.1 --port "$port" --data "${CL_SHARED_DATA:-$dir}" \
        "${CL_ARGS[@]}" "$@"
    cl_wait_ready "$name" "$CL_LAST_PID" 60 cl_log_has "$dir/log" "listening on http://127.0.0.1:$port" ||
        return 1
    CL_LAST_PORT=$port
    CL_INFO+=("$(printf '%-13s' "$name") pid $CL_LAST_PID  http://127.0.0.1:$port  log $dir/log")
}

# cl_start_worker NAME [EXTRA FLAGS...]: a worker, its health and metrics on a free port. With
# CL_CGROUP set it runs in that cgroup. Sets CL_LAST_PORT (the metrics port), CL_LAST_PID.
cl_start_worker() {
    local name=$1 dir=$CL_DIR/$1 port
    shift
    mkdir -p "$dir/cache"
    cl_free_port
    port=$CL_PORT
    cl_common_args
    cl_spawn "$name" 1 "$dir/log" "$CL_IMGPIPE" worker "${CL_ARGS[@]}" --data "${CL_SHARED_DATA:-$dir}" \
        --threads "$CL_WORKER_THREADS" --cache-dir "$dir/cache" --cache-max-bytes 268435456 --metrics-port "$port" "$@"
    cl_wait_ready "$name" "$CL_LAST_PID" 60 cl_log_has "$dir/log" "imgpipe worker ready" || return 1
    cl_wait_ready "$name" "$CL_LAST_PID" 10 cl_http_ok "http://127.0.0.1:$port/health" || return 1
    CL_LAST_PORT=$port
    CL_INFO+=("$(printf '%-13s' "$name") pid $CL_LAST_PID  $CL_WORKER_THREADS thread(s); health and metrics http://127.0.0.1:$port/metrics  log $dir/log${CL_CGROUP:+  cgroup $CL_CGROUP}")
}

# ----------------------------------------------------------------------------------------- nginx
# cl_start_nginx HOST PORT API_PORT...: nginx in the foreground (daemon off) with its own config,
# balancing over the API nodes. Uploads stream through (no request buffering, 60 MB at most); the
# Host header is passed on, so the links in the JSON answers name the address the client used.
cl_start_nginx() {
    local host=$1 port=$2 dir=$CL_DIR/nginx p servers="" user=""
    shift 2
    cl_port_open "$port" && cl_die "port $port is taken (set CLUSTER_PORT)"
    mkdir -p "$dir/tmp"
    for p in "$@"; do servers="$servers        server 127.0.0.1:$p max_fails=1 fail_timeout=2s;
"; done
    # As root the master would hand its workers to 'nobody', who may not write the temp directories.
    [ "$(id -u)" -ne 0 ] || user="user root root;"
    cat >"$dir/nginx.conf" <<EOF
$user
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    log_format upstream '\$remote_addr "\$request" \$status \$body_bytes_sent \$request_time '
                        'upstream=\$upstream_addr \$upstream_status \$upstream_response_time';
    access_log $dir/access.log upstream;
    client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
    upstream imgpipe_api {
$servers        keepalive 32;
    }
    server {
        listen $host:$port;
        client_max_body_size 60m;
        location / {
            proxy_pass http://imgpipe_api;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_request_buffering off;
            proxy_read_timeout 120s;
            proxy_send_timeout 120s;
        }
    }
}
EOF
    cl_spawn nginx 3 "$dir/stderr.log" nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
    CL_NGINX_PID=$CL_LAST_PID
    cl_wait_ready nginx "$CL_NGINX_PID" 20 cl_port_open "$port" || {
        tail -n 20 "$dir/error.log" >&2 2>/dev/null
        return 1
    }
    CL_INFO+=("nginx         pid $CL_NGINX_PID  http://$host:$port -> API nodes $(printf '127.0.0.1:%s ' "$@")  logs $dir/access.log, $dir/error.log")
}

cl_summary() {
    local line
    echo "imgpipe cluster '$CL_NAME' ($CL_IMGPIPE); storage $CL_STORAGE at $CL_S3_ENDPOINT; files in $CL_DIR"
    for line in "${CL_INFO[@]}"; do echo "  $line"; done
}

# cl_cpu_ticks PID...: user + system CPU time of these processes (all their threads), in clock ticks.
cl_cpu_ticks() {
    local pid total=0
    for pid in "$@"; do
        cl_stat "$pid" && total=$((total + CL_STAT[11] + CL_STAT[12]))
    done
    echo "$total"
}
