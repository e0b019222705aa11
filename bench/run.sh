#!/usr/bin/env bash
# imgpipe against IPX (npm `ipx`, sharp on libvips 8.17) and nginx, measured in one run on this
# machine, printed as one table of figures and ratios. See bench/README.md for what each number is.
#
#   bench/run.sh            about 9 minutes
#   DURATION=30 bench/run.sh   longer load runs (seconds per run, default 20)
#   CHAINS="cover blur" QUICK=1 bench/run.sh   only those cold chains against IPX, nothing else
#
# Everything it installs or builds goes to bench/.work (git-ignored): the corpus, IPX from npm,
# the minimal libvips program, data directories and logs. Only the processes it starts are stopped.
set -euo pipefail
cd "$(dirname "$0")"
BENCH=$(pwd)
ROOT=$(cd .. && pwd)
WORK=${WORK:-$BENCH/.work}
DURATION=${DURATION:-20}
IMGPIPE_PORT=18080
IPX_PORT=18081
NGINX_PORT=18082
mkdir -p "$WORK"
export WORK

log() { printf '%s\n' "$*" >&2; }
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# ---------------------------------------------------------------- tools, corpus, builds
need=()
for tool in nginx wrk curl; do command -v "$tool" >/dev/null || need+=("$tool"); done
command -v vips >/dev/null || need+=(libvips-tools) # corpus.sh makes its odd variants with it
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
"$BENCH/corpus.sh" >/dev/null
PHOTOS=(Autumn Path ColdRipple FallenLeaf EveningGlow ColorfulCups)
# Only the service is built (`make build` would build the tests too); IMGPIPE_BIN=path, or
# SKIP_BUILD=1 with build/imgpipe present, uses a binary as it is.
IMGPIPE=${IMGPIPE_BIN:-$ROOT/build/imgpipe}
if [ -z "${IMGPIPE_BIN:-}" ] && ! { [ -n "${SKIP_BUILD:-}" ] && [ -x "$IMGPIPE" ]; }; then
    (cd "$ROOT" && make deps >/dev/null && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null &&
        cmake --build build -j "$(nproc)" --target imgpipe >/dev/null)
fi
g++ -O2 -std=c++20 "$BENCH/vips_minimal.cpp" -o "$WORK/vips_minimal" $(pkg-config --cflags --libs vips-cpp)
if [ ! -x "$WORK/ipx/node_modules/.bin/ipx" ]; then
    log "installing ipx from npm"
    mkdir -p "$WORK/ipx"
    (cd "$WORK/ipx" && npm init -y >/dev/null && npm install --no-audit --no-fund ipx@3 >/dev/null 2>&1)
fi
IPX_VERSION=$(node -p "require('$WORK/ipx/node_modules/ipx/package.json').version")
SHARP_VERSION=$(node -p "require('$WORK/ipx/node_modules/sharp/package.json').version")
VIPS_IPX=$(cd "$WORK/ipx" && node -p "require('sharp').versions.vips")

# ---------------------------------------------------------------- helpers
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
TICK=$(getconf CLK_TCK)
wait_port() {
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/$2" && return 0; sleep 0.1; done
    log "nothing answers on port $1"
    return 1
}

IMGPIPE_PID=""
start_imgpipe() { # fresh data directory: nothing cached
    [ -n "$IMGPIPE_PID" ] && { kill "$IMGPIPE_PID"; wait "$IMGPIPE_PID" 2>/dev/null || true; }
    rm -rf "$WORK/data"
    "$IMGPIPE" serve --port $IMGPIPE_PORT --data "$WORK/data" --queue 256 "$@" >"$WORK/imgpipe.log" 2>&1 &
    IMGPIPE_PID=$!
    pids+=("$IMGPIPE_PID")
    wait_port $IMGPIPE_PORT health
    IDS=""
    for p in "${PHOTOS[@]}"; do
        id=$(curl -s -F "file=@$WORK/corpus/$p.jpg" "http://127.0.0.1:$IMGPIPE_PORT/image/upload/" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
        IDS="$IDS${IDS:+,}$id"
    done
}

# load SERVICE_PID PORT MODE IDS CONNECTIONS -> "rps cpu_ms_per_image p99_ms"
load() {
    local pid=$1 port=$2 mode=$3 ids=$4 conns=$5
    local before after out requests rps p99 non2xx
    before=$(cpu_ticks "$pid")
    out=$(MODE=$mode IDS=$ids wrk -t2 -c"$conns" -d"${DURATION}s" --timeout 30s -s "$BENCH/variants.lua" \
        "http://127.0.0.1:$port" 2>&1)
    after=$(cpu_ticks "$pid")
    requests=$(grep -o 'RESULT requests=[0-9]*' <<<"$out" | cut -d= -f2)
    non2xx=$(grep -o 'non2xx=[0-9]*' <<<"$out" | cut -d= -f2)
    rps=$(grep -o 'rps=[0-9.]*' <<<"$out" | cut -d= -f2)
    p99=$(grep -o 'p99_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
    [ "$non2xx" = 0 ] || log "warning: $mode c=$conns had $non2xx non-2xx answers"
    awk -v r="$rps" -v t=$((after - before)) -v n="$requests" -v hz="$TICK" -v p="$p99" \
        'BEGIN {printf "%.1f %.1f %.1f\n", r, (t * 1000 / hz) / n, p}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# ---------------------------------------------------------------- IPX
# Started directly (env execs node in the same process): its PID is the one measured and stopped.
PORT=$IPX_PORT HOST=127.0.0.1 "$WORK/ipx/node_modules/.bin/ipx" serve --dir "$WORK/corpus" >"$WORK/ipx.log" 2>&1 &
IPX_PID=$!
pids+=("$IPX_PID")
wait_port $IPX_PORT "s_10x10/Path.jpg"
IPX_FILES=$(IFS=,; echo "${PHOTOS[*]/%/.jpg}")

# ---------------------------------------------------------------- cold transforms
declare -A R
read -r -a CHAINS <<<"${CHAINS:-rotate thumb cover blur}"
declare -A NAME=([rotate]='rotate:10|convert:png|scale:200x100' [thumb]='scale:400x300|convert:webp'
                 [cover]='fit:400x300:cover|convert:webp' [blur]='fit:400x300:cover|blur:3|convert:webp')
declare -A TARGET=([rotate]='>= 4' [thumb]='>= 1.2' [cover]='>= 1.2' [blur]='>= 1.2')
for chain in "${CHAINS[@]}"; do
    for c in 2 8; do
        start_imgpipe
        log "cold $chain c=$c: imgpipe"
        R[imgpipe-$chain-$c]=$(load "$IMGPIPE_PID" $IMGPIPE_PORT "imgpipe-$chain" "$IDS" "$c")
        log "  req/s, CPU ms/image, p99 ms: ${R[imgpipe-$chain-$c]}"
        log "cold $chain c=$c: ipx"
        R[ipx-$chain-$c]=$(load "$IPX_PID" $IPX_PORT "ipx-$chain" "$IPX_FILES" "$c")
        log "  req/s, CPU ms/image, p99 ms: ${R[ipx-$chain-$c]}"
    done
done
IPX_PEAK=$(peak_rss_mb "$IPX_PID")
IMGPIPE_PEAK_COLD=$(peak_rss_mb "$IMGPIPE_PID")
f() { cut -d' ' -f"$2" <<<"${R[$1]}"; }
if [ -n "${QUICK:-}" ]; then
    echo "## imgpipe vs IPX $IPX_VERSION (sharp $SHARP_VERSION, libvips $VIPS_IPX), cold chains only, $(date -u +%Y-%m-%d), $(nproc) cores"
    echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r)"
    echo
    echo "| chain | c | imgpipe req/s | IPX req/s | ratio | target | CPU ms/image imgpipe / IPX |"
    echo "|---|---|---|---|---|---|---|"
    for chain in "${CHAINS[@]}"; do
        for c in 2 8; do
            echo "| \`${NAME[$chain]}\` | $c | $(f imgpipe-$chain-$c 1) | $(f ipx-$chain-$c 1) | $(ratio "$(f imgpipe-$chain-$c 1)" "$(f ipx-$chain-$c 1)") | ${TARGET[$chain]} | $(f imgpipe-$chain-$c 2) / $(f ipx-$chain-$c 2) |"
        done
    done
    exit 0
fi

# ---------------------------------------------------------------- minimal libvips and the original design
files=()
for p in "${PHOTOS[@]}"; do files+=("$WORK/corpus/$p.jpg"); done
MIN_ROTATE=$("$WORK/vips_minimal" --mipmap rotate 10 "${files[@]}" 2>/dev/null)
MIN_THUMB=$("$WORK/vips_minimal" --mipmap thumb 10 "${files[@]}" 2>/dev/null)
DECODE_ROTATE=$("$WORK/vips_minimal" rotate 5 "${files[@]}" 2>/dev/null)
DECODE_THUMB=$("$WORK/vips_minimal" thumb 5 "${files[@]}" 2>/dev/null)
STAGED_ROTATE=$("$WORK/vips_minimal" --staged rotate 1 "${files[@]}" 2>/dev/null)
STAGED_THUMB=$("$WORK/vips_minimal" --staged thumb 3 "${files[@]}" 2>/dev/null)

# ---------------------------------------------------------------- cached variants vs nginx
start_imgpipe
FIRST=${IDS%%,*}
CACHED_PATH="/bytes/$FIRST/scale:400x300%7Cconvert:webp/"
curl -s -o "$WORK/cached.webp" "http://127.0.0.1:$IMGPIPE_PORT$CACHED_PATH"
ETAG=$(curl -s -D - -o /dev/null "http://127.0.0.1:$IMGPIPE_PORT$CACHED_PATH" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
NOT_MODIFIED=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "http://127.0.0.1:$IMGPIPE_PORT$CACHED_PATH")
mkdir -p "$WORK/nginx/www" "$WORK/nginx/tmp"
cp "$WORK/cached.webp" "$WORK/nginx/www/cached.webp"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $WORK/nginx/tmp; proxy_temp_path $WORK/nginx/tmp;
    fastcgi_temp_path $WORK/nginx/tmp; uwsgi_temp_path $WORK/nginx/tmp; scgi_temp_path $WORK/nginx/tmp;
    types { image/webp webp; }
    server { listen 127.0.0.1:$NGINX_PORT; root $WORK/nginx/www; etag on; }
}
EOF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
pids+=($!)
wait_port $NGINX_PORT cached.webp
cached() {
    wrk -t2 -c64 -d10s --latency -s "$BENCH/cached.lua" "$1" 2>&1 | grep RESULT
}
C_IMG=$(cached "http://127.0.0.1:$IMGPIPE_PORT$CACHED_PATH")
C_NGX=$(cached "http://127.0.0.1:$NGINX_PORT/cached.webp")
rps_of() { grep -o 'rps=[0-9.]*' <<<"$1" | cut -d= -f2; }
p99_of() { grep -o 'p99_ms=[0-9.]*' <<<"$1" | cut -d= -f2; }

# ---------------------------------------------------------------- coalescing
COALESCE_PATH="/bytes/$FIRST/rotate:33%7Cconvert:avif%7Cscale:900x/"
T0=$(curl -s "http://127.0.0.1:$IMGPIPE_PORT/metrics" | awk '$1=="imgpipe_transforms_total" {print $2}')
seq 50 | xargs -P50 -I{} curl -s -o "$WORK/coalesce-{}.avif" -w '%{http_code}\n' \
    "http://127.0.0.1:$IMGPIPE_PORT$COALESCE_PATH" >"$WORK/coalesce.codes"
T1=$(curl -s "http://127.0.0.1:$IMGPIPE_PORT/metrics" | awk '$1=="imgpipe_transforms_total" {print $2}')
COALESCE_OK=$(grep -c '^200$' "$WORK/coalesce.codes" || true)
COALESCE_SAME=$(md5sum "$WORK"/coalesce-*.avif | awk '{print $1}' | sort -u | wc -l)
rm -f "$WORK"/coalesce-*.avif

# ---------------------------------------------------------------- 50 MB upload
if [ ! -f "$WORK/upload-50mb.png" ]; then
    vips gaussnoise "$WORK/n.v" 4096 4096 && vips bandjoin "$WORK/n.v $WORK/n.v $WORK/n.v" "$WORK/n3.v" &&
        vips cast "$WORK/n3.v" "$WORK/upload-50mb.png[compression=0]" uchar && rm -f "$WORK"/n.v "$WORK"/n3.v
fi
UPLOAD_BYTES=$(stat -c %s "$WORK/upload-50mb.png")
RSS_BEFORE_UPLOAD=$(rss_mb "$IMGPIPE_PID")
UPLOAD_S=$(curl -s -o /dev/null -w '%{time_total}' -F "file=@$WORK/upload-50mb.png" \
    "http://127.0.0.1:$IMGPIPE_PORT/image/upload/")
RSS_AFTER_UPLOAD=$(rss_mb "$IMGPIPE_PID")
# The transport alone: 50 MB that are no image are received, spooled, fsynced, then refused (415).
head -c "$UPLOAD_BYTES" /dev/urandom >"$WORK/upload-50mb.bin"
RECEIVE_S=$(curl -s -o /dev/null -w '%{time_total}' -F "file=@$WORK/upload-50mb.bin" \
    "http://127.0.0.1:$IMGPIPE_PORT/image/upload/")
RSS_AFTER_RECEIVE=$(rss_mb "$IMGPIPE_PID")

# ---------------------------------------------------------------- the 8000x8000 JPEG at concurrency 8
start_imgpipe --max-source-pixels 64000000 # 64 MP: over the default limit of 50 MP
BIG=$(curl -s -F "file=@$WORK/corpus/big-8000.jpg" "http://127.0.0.1:$IMGPIPE_PORT/image/upload/" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
log "8000x8000 JPEG at c=8"
R[big-rotate]=$(load "$IMGPIPE_PID" $IMGPIPE_PORT imgpipe-rotate "$BIG" 8)
R[big-thumb]=$(load "$IMGPIPE_PID" $IMGPIPE_PORT imgpipe-thumb "$BIG" 8)
BIG_PEAK=$(peak_rss_mb "$IMGPIPE_PID")
R[ipx-big-rotate]=$(load "$IPX_PID" $IPX_PORT ipx-rotate big-8000.jpg 8)
R[ipx-big-thumb]=$(load "$IPX_PID" $IPX_PORT ipx-thumb big-8000.jpg 8)
IPX_BIG_PEAK=$(peak_rss_mb "$IPX_PID")

# ---------------------------------------------------------------- the table
{
echo "## imgpipe vs IPX $IPX_VERSION (sharp $SHARP_VERSION, libvips $VIPS_IPX) and nginx, $(date -u +%Y-%m-%d), $(nproc) cores"
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r)"
echo
echo "| measure | imgpipe | peer | ratio | target |"
echo "|---|---|---|---|---|"
for chain in "${CHAINS[@]}"; do
    name=${NAME[$chain]}
    target=${TARGET[$chain]}
    for c in 2 8; do
        echo "| cold \`$name\`, c=$c, req/s | $(f imgpipe-$chain-$c 1) | IPX $(f ipx-$chain-$c 1) | $(ratio "$(f imgpipe-$chain-$c 1)" "$(f ipx-$chain-$c 1)") | $target |"
    done
    echo "| CPU ms per image, \`$name\` (c=2) | $(f imgpipe-$chain-2 2) | IPX $(f ipx-$chain-2 2) | $(ratio "$(f ipx-$chain-2 2)" "$(f imgpipe-$chain-2 2)")x less | |"
    case $chain in rotate | thumb) ;; *) continue ;; esac
    minimal=$([ $chain = rotate ] && echo "$MIN_ROTATE" || echo "$MIN_THUMB")
    decode=$([ $chain = rotate ] && echo "$DECODE_ROTATE" || echo "$DECODE_THUMB")
    staged=$([ $chain = rotate ] && echo "$STAGED_ROTATE" || echo "$STAGED_THUMB")
    echo "| CPU ms per image vs a minimal libvips program doing the same work (from a mipmap) | $(f imgpipe-$chain-2 2) | minimal $minimal | $(ratio "$(f imgpipe-$chain-2 2)" "$minimal") | <= 1.1 |"
    echo "| ... and vs the minimal program decoding the JPEG (shrink-on-load, no mipmap) | $(f imgpipe-$chain-2 2) | minimal $decode | $(ratio "$(f imgpipe-$chain-2 2)" "$decode") | |"
    echo "| CPU ms per image vs the original design (decode/encode per stage) | $(f imgpipe-$chain-2 2) | staged $staged | $(ratio "$staged" "$(f imgpipe-$chain-2 2)")x less | |"
done
echo "| cached variant, 64 connections, req/s | $(rps_of "$C_IMG") | nginx $(rps_of "$C_NGX") | $(ratio "$(rps_of "$C_IMG")" "$(rps_of "$C_NGX")") | >= 0.8 |"
echo "| cached variant, p99 ms | $(p99_of "$C_IMG") | nginx $(p99_of "$C_NGX") | | <= 5 ms |"
echo "| If-None-Match with the ETag | HTTP $NOT_MODIFIED | | | 304 |"
echo "| peak RSS MB after the cold runs | $IMGPIPE_PEAK_COLD | IPX $IPX_PEAK | $(ratio "$IMGPIPE_PEAK_COLD" "$IPX_PEAK") | <= 0.33 |"
echo "| peak RSS MB, 8000x8000 JPEG, both chains at c=8 | $BIG_PEAK | IPX $IPX_BIG_PEAK | $(ratio "$BIG_PEAK" "$IPX_BIG_PEAK") | < 400 MB |"
echo "| 8000x8000 JPEG req/s at c=8, rotate / thumb (new variants of one image) | $(f big-rotate 1) / $(f big-thumb 1) | IPX $(f ipx-big-rotate 1) / $(f ipx-big-thumb 1) | | |"
echo "| 50 simultaneous requests for one new variant: transforms run | $((T1 - T0)) | | | 1 |"
echo "| ... answered 200 / distinct bodies | $COALESCE_OK / $COALESCE_SAME | | | 50 / 1 |"
echo "| 50 MB upload over loopback, MB/s: receive, spool, fsync | $(awk -v b="$UPLOAD_BYTES" -v s="$RECEIVE_S" 'BEGIN {printf "%.0f", b / 1048576 / s}') | | | >= 300 |"
echo "| ... the same with the full decode check of a 16 MP PNG | $(awk -v b="$UPLOAD_BYTES" -v s="$UPLOAD_S" 'BEGIN {printf "%.0f", b / 1048576 / s}') | | | |"
echo "| ... RSS MB before / after both uploads | $RSS_BEFORE_UPLOAD / $RSS_AFTER_UPLOAD / $RSS_AFTER_RECEIVE | | | flat |"
} | tee "$WORK/results.md"
