#!/usr/bin/env bash
# imgpipe against IPX (npm `ipx`, sharp on libvips 8.17) and nginx, measured in one run on this
# machine, printed as one table of figures and ratios, then one VERDICT line per target of issue 14
# (`grep ^VERDICT`). See bench/README.md for what each number is.
#
#   bench/run.sh               about 11 minutes
#   DURATION=30 bench/run.sh   longer load runs (seconds per run, default 20)
#   ONLY="avif saturated" bench/run.sh   only those parts, of: cold (the chains against IPX and the
#                              minimal libvips program), cached, coalesce, upload, big, avif, saturated
#   CHAINS="cover blur" QUICK=1 bench/run.sh   only those cold chains (QUICK=1 is ONLY=cold)
#   CACHED_ROUNDS=15 CACHED_SECONDS=4 bench/run.sh   rounds of the stored-hit comparison and
#                              their length: imgpipe and nginx in turn, which one first alternating
#                              (default 9 rounds of 4 s; the round of the median ratio is reported;
#                              each round also measures nginx answering one byte: the floor);
#                              CLOSE_ROUNDS=3: the same with a new connection per request
#   CPU_ROUNDS=7 bench/run.sh  rounds of the CPU comparison with the minimal libvips program: the
#                              service (c=2) and two programs in the same seconds on one CPU
#                              (CPU_PIN, default the last), wrk on the others (default 5; median)
#   IMGPIPE_BIN=path, or SKIP_BUILD=1 with build/imgpipe present: no build
#   STEAL=1:3:3 bench/run.sh   a slow phase on demand: CPU 1 taken from everything else for 3 ms
#                              in every 6 (bench/steal.c, root only), as the host took a vCPU away
#
# Everything it installs or builds goes to bench/.work (git-ignored): the corpus, IPX from npm,
# the helper programs, data directories and logs. Only the processes it starts are stopped.
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
    rm -rf "${TRASH:-}"
}
trap cleanup EXIT

PARTS="cold cached coalesce upload big avif saturated"
ONLY=${ONLY:-${QUICK:+cold}}
ONLY=${ONLY//,/ }
for p in $ONLY; do
    [[ " $PARTS " == *" $p "* ]] || { log "ONLY: unknown part '$p' (parts: $PARTS)"; exit 2; }
done
part() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }
needs_ipx() { part cold || part big || part avif; }

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
# The helper programs, rebuilt when their source is newer.
helper() {
    local src=$BENCH/$1 bin=$WORK/${1%.*}
    [ "$bin" -nt "$src" ] && return 0
    case $1 in
    *.c) gcc -O2 "$src" -o "$bin" ;;
    *) # shellcheck disable=SC2046 # pkg-config's flags are separate words
        g++ -O2 -std=c++20 "$src" -o "$bin" $(pkg-config --cflags --libs vips-cpp) ;;
    esac
}
helper pagefault.c
helper vcpu_speed.c
[ -n "${STEAL:-}" ] && helper steal.c
part cold && helper vips_minimal.cpp
part avif && helper quality.cpp
if [ ! -x "$WORK/ipx/node_modules/.bin/ipx" ]; then
    log "installing ipx from npm"
    mkdir -p "$WORK/ipx"
    (cd "$WORK/ipx" && npm init -y >/dev/null && npm install --no-audit --no-fund ipx@3 >/dev/null 2>&1)
fi
IPX_VERSION=$(node -p "require('$WORK/ipx/node_modules/ipx/package.json').version")
SHARP_VERSION=$(node -p "require('$WORK/ipx/node_modules/sharp/package.json').version")
VIPS_IPX=$(cd "$WORK/ipx" && node -p "require('sharp').versions.vips")
# Before any load: what one page fault costs here, the unit of the fault counts below.
FAULT_NS=$("$WORK/pagefault" 2>/dev/null)
if [ -n "${STEAL:-}" ]; then
    IFS=: read -r STEAL_CPU STEAL_ON STEAL_OFF <<<"$STEAL"
    "$WORK/steal" "$STEAL_CPU" "$STEAL_ON" "$STEAL_OFF" &
    pids+=($!)
    sleep 0.2
    kill -0 "${pids[-1]}" 2>/dev/null || { log "STEAL=$STEAL: the stealer did not start"; exit 2; }
fi
# And how fast each vCPU runs the same loop, now and at the end: CPU time on these VMs depends on it.
VCPU_START=$("$WORK/vcpu_speed" 2>/dev/null || true)

# ---------------------------------------------------------------- helpers
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# minor + major faults of the process, its threads included (those that ended too)
faults() { awk '{print $10 + $12}' "/proc/$1/stat"; }
# voluntary + involuntary context switches of the processes given, over their threads alive now
ctx_switches() {
    local pid total=0 n
    for pid in "$@"; do
        n=$({ cat /proc/"$pid"/task/*/status 2>/dev/null || true; } |
            awk '/^(non)?voluntary_ctxt_switches:/ {s += $2} END {print s + 0}')
        total=$((total + n))
    done
    echo "$total"
}
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
transforms() { curl -s "http://127.0.0.1:$IMGPIPE_PORT/metrics" | awk '$1=="imgpipe_transforms_total" {print $2}'; }
TICK=$(getconf CLK_TCK)
wait_port() {
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/$2" && return 0; sleep 0.1; done
    log "nothing answers on port $1"
    return 1
}
field() { grep -o "$1=[0-9.]*" <<<"$2" | cut -d= -f2 || true; } # field NAME "RESULT ..." -> value

IMGPIPE_PID=""
# The data directories of earlier services are moved aside and deleted when the bench ends: on ext4
# without a journal (these VMs' root file system) every file created within minutes of a mass
# deletion scans the deleted inodes (ext4's recently_deleted()), which cost the next service's
# cold transforms ~1 ms each for the two files a variant is stored in (bench/RESULTS.md).
TRASH=$WORK/trash
rm -rf "$TRASH" # left by an interrupted run
trashed=0
start_imgpipe() { # fresh data directory: nothing cached (SERVICE_PIN=CPU: the service runs there)
    [ -n "$IMGPIPE_PID" ] && { kill "$IMGPIPE_PID"; wait "$IMGPIPE_PID" 2>/dev/null || true; }
    if [ -d "$WORK/data" ]; then
        mkdir -p "$TRASH"
        mv "$WORK/data" "$TRASH/data.$((++trashed))"
    fi
    ${SERVICE_PIN:+taskset -c "$SERVICE_PIN"} "$IMGPIPE" serve --port $IMGPIPE_PORT --data "$WORK/data" --queue 256 "$@" \
        >"$WORK/imgpipe.log" 2>&1 &
    IMGPIPE_PID=$!
    pids+=("$IMGPIPE_PID")
    wait_port $IMGPIPE_PORT health
    PHOTO_IDS=()
    for p in "${PHOTOS[@]}"; do
        PHOTO_IDS+=("$(curl -s -F "file=@$WORK/corpus/$p.jpg" "http://127.0.0.1:$IMGPIPE_PORT/image/upload/" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')")
    done
    IDS=$(IFS=,; echo "${PHOTO_IDS[*]}")
    FIRST=${PHOTO_IDS[0]}
}

# [LOAD_PIN=CPUS] load SERVICE_PID PORT MODE IDS CONNECTIONS [SCRIPT] (wrk runs on LOAD_PIN's CPUs)
#   -> "rps cpu_ms_per_image p99_ms faults_per_request mean_bytes" (mean_bytes: avif.lua only)
# Every figure is "-" when nothing was answered.
load() {
    local pid=$1 port=$2 mode=$3 ids=$4 conns=$5 script=${6:-variants.lua}
    local ticks0 faults0 made0 out requests non2xx bytes
    ticks0=$(cpu_ticks "$pid")
    faults0=$(faults "$pid")
    [ "$port" = $IMGPIPE_PORT ] && made0=$(transforms)
    out=$(MODE=$mode IDS=$ids ${LOAD_PIN:+taskset -c "$LOAD_PIN"} wrk -t2 -c"$conns" -d"${DURATION}s" --timeout 30s -s "$BENCH/$script" \
        "http://127.0.0.1:$port" 2>&1 || true)
    requests=$(field 'RESULT requests' "$out")
    non2xx=$(field non2xx "$out")
    bytes=$(field mean_bytes "$out")
    if [ "${requests:-0}" = 0 ]; then
        log "warning: $mode c=$conns: no answers: $out"
        echo "- - - - -"
        return
    fi
    [ "$non2xx" = 0 ] || log "warning: $mode c=$conns had $non2xx non-2xx answers"
    # A stored variant answered again would not be a cold transform: imgpipe counts what it made.
    if [ "$port" = $IMGPIPE_PORT ] && [ $(($(transforms) - made0)) -lt "$requests" ]; then
        log "warning: $mode c=$conns: fewer transforms than answers (some variants repeated)"
    fi
    awk -v r="$(field rps "$out")" -v t=$(($(cpu_ticks "$pid") - ticks0)) -v n="$requests" -v hz="$TICK" \
        -v p="$(field p99_ms "$out")" -v f=$(($(faults "$pid") - faults0)) -v b="${bytes:--}" \
        'BEGIN {printf "%.1f %.1f %.1f %.0f %s\n", r, (t * 1000 / hz) / n, p, f / n, b}'
}

# ratio A B -> A/B with two decimals, "-" when either is missing
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-"}'; }
# median_round "RATIO|..." ... -> the round whose ratio is the median (a missing ratio, "-",
# sorts first: the median is missing when most rounds failed)
median_round() { printf '%s\n' "$@" | sort -t'|' -k1,1 -g | sed -n "$((($# + 1) / 2))p"; }
declare -A R
f() { cut -d' ' -f"$2" <<<"${R[$1]:-}"; } # f KEY N -> the Nth figure of a load result

VERDICTS=()
# verdict NAME VALUE OP GOAL [UNIT]: one line "VERDICT name: value (goal op goal) PASS|FAIL";
# a value that is missing or not a number never passes.
verdict() {
    local name=$1 value=$2 op=$3 goal=$4 unit=${5:-} result=FAIL
    if [[ $value =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
        result=$(awk -v v="$value" -v g="$goal" -v op="$op" 'BEGIN {
            ok = op == ">=" ? v >= g : op == "<=" ? v <= g : op == "<" ? v < g : op == "==" ? v == g : 0
            print ok ? "PASS" : "FAIL"}')
        value=$value$unit
    else
        value=missing
    fi
    VERDICTS+=("VERDICT $name: $value (goal $op $goal$unit) $result")
}

# ---------------------------------------------------------------- IPX
if needs_ipx; then
    # Started directly (env execs node in the same process): its PID is the one measured and stopped.
    PORT=$IPX_PORT HOST=127.0.0.1 "$WORK/ipx/node_modules/.bin/ipx" serve --dir "$WORK/corpus" >"$WORK/ipx.log" 2>&1 &
    IPX_PID=$!
    pids+=("$IPX_PID")
    wait_port $IPX_PORT "s_10x10/Path.jpg"
    IPX_FILES=$(IFS=,; echo "${PHOTOS[*]/%/.jpg}")
fi

# ---------------------------------------------------------------- cold transforms
read -r -a CHAINS <<<"${CHAINS:-rotate thumb cover blur}"
declare -A NAME=([rotate]='rotate:10|convert:png|scale:200x100' [thumb]='scale:400x300|convert:webp'
                 [cover]='fit:400x300:cover|convert:webp' [blur]='fit:400x300:cover|blur:3|convert:webp')
declare -A TARGET=([rotate]=4 [thumb]=1.5 [cover]=1.2 [blur]=1.2)
FAULTS_GOAL=300
if part cold; then
    for chain in "${CHAINS[@]}"; do
        for c in 2 8; do
            start_imgpipe
            log "cold $chain c=$c: imgpipe"
            R[imgpipe-$chain-$c]=$(load "$IMGPIPE_PID" $IMGPIPE_PORT "imgpipe-$chain" "$IDS" "$c")
            log "  req/s, CPU ms/image, p99 ms, faults/request: ${R[imgpipe-$chain-$c]% *}"
            log "cold $chain c=$c: ipx"
            R[ipx-$chain-$c]=$(load "$IPX_PID" $IPX_PORT "ipx-$chain" "$IPX_FILES" "$c")
            log "  req/s, CPU ms/image, p99 ms, faults/request: ${R[ipx-$chain-$c]% *}"
        done
    done
    IPX_PEAK=$(peak_rss_mb "$IPX_PID")
    IMGPIPE_PEAK_COLD=$(peak_rss_mb "$IMGPIPE_PID")

    # the minimal libvips program and the original design, for the chains measured
    files=()
    for p in "${PHOTOS[@]}"; do files+=("$WORK/corpus/$p.jpg"); done
    declare -A MINIMAL DECODE STAGED MINIMAL_FAULTS # CPU ms and page faults per image
    declare -A STAGED_ROUNDS=([rotate]=1 [thumb]=3)
    # CPU per image against the minimal program in CPU_ROUNDS rounds, each a fresh service at c=2
    # (every variant new) and two programs at once, in the same seconds and on the same CPU
    # (CPU_PIN, the last one), the load generator on the others. These VMs' vCPUs change speed
    # from one minute to the next and need not be equally fast (pinned with taskset: 30.4 ms per
    # thumbnail on one, 22.0 on the other; minutes later 22.2 and 22.1), so one process's CPU per
    # image against another's measured before or after, or on the other vCPU, moved by up to 20%
    # (rounds of 0.98-1.14, bench/RESULTS.md); sharing one vCPU at the same time, both see its
    # speed. The service's figure includes its HTTP, storage and MD5; its two workers share that
    # CPU as the two programs do. Every round's ratio is printed, the median round reported.
    CPU_PIN=${CPU_PIN:-$(($(nproc) - 1))}
    LOAD_CPUS=0-$((CPU_PIN > 0 ? CPU_PIN - 1 : 0))
    # programs_in_window CHAIN START -> "cpu_ms faults" per image of two programs at once on CPU_PIN
    programs_in_window() {
        local a b
        a=$(mktemp)
        program() { taskset -c "$CPU_PIN" "$WORK/vips_minimal" --mipmap --window "$2" "$DURATION" "$1" 100000 "${files[@]}" 2>/dev/null; }
        program "$@" >"$a" &
        b=$(program "$@") || true
        wait $! || true
        printf '%s\n%s\n' "$(cat "$a")" "$b" | awk 'NF == 2 {c += $1; f += $2; n++} END {if (n == 2) printf "%.1f %.0f\n", c / 2, f / 2}'
        rm -f "$a"
    }
    declare -A CPU_RATIOS CPU_ROUND
    for chain in "${CHAINS[@]}"; do
        case $chain in rotate | thumb) ;; *) continue ;; esac
        rounds=()
        for ((round = 1; round <= ${CPU_ROUNDS:-5}; round++)); do
            SERVICE_PIN=$CPU_PIN start_imgpipe
            log "cold $chain c=2: imgpipe and two minimal programs, all on CPU $CPU_PIN (CPU round $round)"
            # The programs make their mipmaps and an image before they count; the service is warmed
            # too, with other variants from the same mipmaps (cover crops), so none of the measured
            # ones is made early.
            MODE=imgpipe-cover IDS=$IDS taskset -c "$LOAD_CPUS" wrk -t2 -c2 -d2s -s "$BENCH/variants.lua" \
                "http://127.0.0.1:$IMGPIPE_PORT" >/dev/null 2>&1 || true
            # the programs make their mipmaps first, then start with the load
            start=$(awk -v t="$(date +%s.%N)" 'BEGIN {printf "%.3f", t + 4}')
            programs_in_window "$chain" "$start" >"$WORK/programs" &
            sleep "$(awk -v s="$start" -v t="$(date +%s.%N)" 'BEGIN {d = s - t; printf "%.3f", (d > 0 ? d : 0)}')"
            img=$(LOAD_PIN=$LOAD_CPUS load "$IMGPIPE_PID" $IMGPIPE_PORT "imgpipe-$chain" "$IDS" 2 | cut -d' ' -f2)
            wait $! || true
            read -r min min_faults <"$WORK/programs" || true
            r=$(ratio "$img" "${min:-}")
            log "  CPU ms per image $img, minimal ${min:--}: $r"
            CPU_RATIOS[$chain]+="$r "
            rounds+=("$r|$img|${min:--}|${min_faults:--}")
        done
        CPU_ROUND[$chain]=$(median_round "${rounds[@]}")
        IFS='|' read -r _ _ "MINIMAL[$chain]" "MINIMAL_FAULTS[$chain]" <<<"${CPU_ROUND[$chain]}"
        read -r "DECODE[$chain]" _ < <("$WORK/vips_minimal" "$chain" 5 "${files[@]}" 2>/dev/null) || true
        read -r "STAGED[$chain]" _ < <("$WORK/vips_minimal" --staged "$chain" "${STAGED_ROUNDS[$chain]}" "${files[@]}" 2>/dev/null) || true
    done
fi

# ---------------------------------------------------------------- cached variants vs nginx
if part cached; then
    start_imgpipe
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
    server { listen 127.0.0.1:$NGINX_PORT; root $WORK/nginx/www; etag on; location = /floor { return 200 "x"; } }
}
EOF
    nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
    NGINX_PID=$!
    pids+=("$NGINX_PID")
    wait_port $NGINX_PORT cached.webp
    mapfile -t NGINX_WORKERS < <(pgrep -P "$NGINX_PID")
    # cached URL PID... -> the RESULT line, then "switches=<context switches per request>";
    # WRK_ARGS: wrk's connections (and headers)
    cached() {
        local url=$1 before out
        shift
        before=$(ctx_switches "$@")
        out=$(wrk -t2 "${WRK_ARGS[@]}" -d"${CACHED_SECONDS:-4}"s --latency -s "$BENCH/cached.lua" "$url" 2>&1 |
            grep RESULT || true)
        echo "$out switches=$(awk -v d=$(($(ctx_switches "$@") - before)) -v n="$(field 'RESULT requests' "$out")" \
            'BEGIN {if (n > 0) printf "%.3f", d / n}')"
    }
    imgpipe_round() { img=$(cached "http://127.0.0.1:$IMGPIPE_PORT$CACHED_PATH" "$IMGPIPE_PID"); }
    nginx_round() { ngx=$(cached "http://127.0.0.1:$NGINX_PORT/cached.webp" "${NGINX_WORKERS[@]}"); }
    floor_round() { flr=$(cached "http://127.0.0.1:$NGINX_PORT/floor" "${NGINX_WORKERS[@]}"); }
    # in_turn N ROUND...: N rounds of the round functions, in the order given in even rounds and
    # the reverse in odd ones -> RATIOS (imgpipe / nginx, each round), P99S (imgpipe/nginx[/floor],
    # each round), and IMG NGX FLR: the RESULT lines of the round of the median ratio.
    #
    # Rounds of CACHED_SECONDS in turn, which one first alternating: these VMs' vCPUs change speed
    # from one minute to the next (one ran at half speed for a minute, then the other:
    # bench/vcpu_speed.c), and in 3 rounds of 10-second windows a round's ratio moved by 0.24-0.36
    # within one run (bench/RESULTS.md): short windows in turn put both servers in the same seconds
    # as near as two can be.
    in_turn() {
        local n=$1 round i img ngx flr="" r lines=()
        shift
        RATIOS=""
        P99S=""
        for ((round = 0; round < n; round++)); do
            if ((round % 2 == 0)); then
                for ((i = 1; i <= $#; i++)); do "${!i}"; done
            else
                for ((i = $#; i >= 1; i--)); do "${!i}"; done
            fi
            r=$(ratio "$(field rps "$img")" "$(field rps "$ngx")")
            RATIOS+="$r "
            P99S+="$(field p99_ms "$img")/$(field p99_ms "$ngx")${flr:+/$(field p99_ms "$flr")} "
            lines+=("$r|$img|$ngx|$flr")
        done
        IFS='|' read -r _ IMG NGX FLR <<<"$(median_round "${lines[@]}")"
    }
    # 64 keep-alive connections, CACHED_ROUNDS rounds. Each round also measures the machine's
    # floor: nginx answering one byte from its configuration (no file, no ETag), the least work an
    # HTTP answer can be. In a slow phase the p99 of that floor alone passed 5 ms
    # (bench/RESULTS.md): it tells the phase of a round apart from the server.
    WRK_ARGS=(-c64)
    in_turn "${CACHED_ROUNDS:-9}" imgpipe_round nginx_round floor_round
    CACHED_RATIOS=$RATIOS CACHED_P99S=$P99S C_IMG=$IMG C_NGX=$NGX C_FLOOR=$FLR
    # Clients that do not keep connections alive: a new connection per request, 16 connections,
    # CLOSE_ROUNDS rounds. No target of issue 14; what a connection costs beside what a request costs.
    WRK_ARGS=(-c16 -H "Connection: close")
    in_turn "${CLOSE_ROUNDS:-3}" imgpipe_round nginx_round
    CLOSE_RATIOS=$RATIOS CLOSE_IMG=$IMG CLOSE_NGX=$NGX
fi

# ---------------------------------------------------------------- coalescing
if part coalesce; then
    part cached || start_imgpipe
    COALESCE_PATH="/bytes/$FIRST/rotate:33%7Cconvert:avif%7Cscale:900x/"
    T0=$(transforms)
    seq 50 | xargs -P50 -I{} curl -s -o "$WORK/coalesce-{}.avif" -w '%{http_code}\n' \
        "http://127.0.0.1:$IMGPIPE_PORT$COALESCE_PATH" >"$WORK/coalesce.codes"
    COALESCE_RUN=$(($(transforms) - T0))
    COALESCE_OK=$(grep -c '^200$' "$WORK/coalesce.codes" || true)
    COALESCE_SAME=$(md5sum "$WORK"/coalesce-*.avif | awk '{print $1}' | sort -u | wc -l)
    rm -f "$WORK"/coalesce-*.avif
fi

# ---------------------------------------------------------------- 50 MB upload
if part upload; then
    part cached || part coalesce || start_imgpipe
    if [ ! -f "$WORK/upload-50mb.png" ]; then
        vips gaussnoise "$WORK/n.v" 4096 4096 && vips bandjoin "$WORK/n.v $WORK/n.v $WORK/n.v" "$WORK/n3.v" &&
            vips cast "$WORK/n3.v" "$WORK/upload-50mb.png[compression=0]" uchar && rm -f "$WORK"/n.v "$WORK"/n3.v
    fi
    UPLOAD_BYTES=$(stat -c %s "$WORK/upload-50mb.png")
    head -c "$UPLOAD_BYTES" /dev/urandom >"$WORK/upload-50mb.bin"
    # upload FILE -> "MB/s RSS-before-MB peak-RSS-MB-while-it-ran" (RSS read every 20 ms, without forks:
    # `sleep` would start a process 7 times per upload on the two cores the upload shares)
    exec {NAP_FD}<> <(:)
    upload() {
        local rss peak k v _
        rss=$(rss_mb "$IMGPIPE_PID")
        peak=$rss
        curl -s -o /dev/null -w '%{time_total}' -F "file=@$1" "http://127.0.0.1:$IMGPIPE_PORT/image/upload/" \
            >"$WORK/upload.time" &
        local curl_pid=$!
        while kill -0 "$curl_pid" 2>/dev/null; do
            while read -r k v _; do
                [ "$k" = VmRSS: ] && [ $((v / 1024)) -gt "$peak" ] && peak=$((v / 1024))
            done <"/proc/$IMGPIPE_PID/status"
            read -rt 0.02 -u "$NAP_FD" || true # a 20 ms wait without a fork (nothing comes)
        done
        wait "$curl_pid" || true
        awk -v b="$UPLOAD_BYTES" -v s="$(cat "$WORK/upload.time")" -v r="$rss" -v p="$peak" \
            'BEGIN {if (s > 0) printf "%.0f %s %s", b / 1048576 / s, r, p; else print "- - -"}'
    }
    # The transport alone, first: 50 MB that are no image are received, spooled, fsynced, then
    # refused (415). Then a 16 MP PNG of the same size, with the full decode check (201).
    # One upload is one sample of a ~0.15 s event (it varied 95-234 MB/s on one machine): the first
    # warms up (allocator, page cache), then the median of five is the figure, with their range.
    upload "$WORK/upload-50mb.bin" >/dev/null
    RECEIVE_RUNS=()
    RSS_BEFORE_RECEIVE=$(rss_mb "$IMGPIPE_PID")
    RSS_PEAK_RECEIVE=$RSS_BEFORE_RECEIVE
    for _ in 1 2 3 4 5; do
        read -r mbs _ peak <<<"$(upload "$WORK/upload-50mb.bin")"
        RECEIVE_RUNS+=("$mbs")
        [ "$peak" -gt "$RSS_PEAK_RECEIVE" ] 2>/dev/null && RSS_PEAK_RECEIVE=$peak
    done
    RECEIVE_MBS=$(printf '%s\n' "${RECEIVE_RUNS[@]}" | sort -n | sed -n 3p)
    RECEIVE_RANGE="$(printf '%s\n' "${RECEIVE_RUNS[@]}" | sort -n | sed -n '1p;5p' | paste -sd-)"
    read -r UPLOAD_MBS RSS_BEFORE_UPLOAD RSS_PEAK_UPLOAD <<<"$(upload "$WORK/upload-50mb.png")"
    # "flat": while receiving, the service grew by less than half of the body (it does not hold it)
    UPLOAD_GROWTH=$(awk -v p="$RSS_PEAK_RECEIVE" -v r="$RSS_BEFORE_RECEIVE" 'BEGIN {if (p r ~ /^[0-9]+$/) print p - r}')
    UPLOAD_GROWTH_GOAL=$((UPLOAD_BYTES / 1048576 / 2))
fi

# ---------------------------------------------------------------- the 8000x8000 JPEG at concurrency 8
if part big; then
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
fi

# ---------------------------------------------------------------- AVIF at 1024 pixels
if part avif; then
    start_imgpipe
    # First (it warms both encoders up): one output per photo from each at exactly 1024 pixels
    # wide, against the source resized by vips; the same six images, so their sizes compare too.
    mkdir -p "$WORK/avif"
    declare -A AVIF_URL
    for i in "${!PHOTOS[@]}"; do
        p=${PHOTOS[$i]}
        AVIF_URL[imgpipe-$p]="http://127.0.0.1:$IMGPIPE_PORT/bytes/${PHOTO_IDS[$i]}/scale:1024x%7Cconvert:avif/"
        AVIF_URL[ipx-$p]="http://127.0.0.1:$IPX_PORT/w_1024,f_avif/$p.jpg"
    done
    declare -A AVIF_Q # service -> "psnr ssim bytes" averaged over the photos, or "- - -"
    for service in imgpipe ipx; do
        rows=""
        for p in "${PHOTOS[@]}"; do
            out=$WORK/avif/$service-$p.avif
            rm -f "$out"
            curl -s -f -o "$out" "${AVIF_URL[$service-$p]}" || true
            row=$("$WORK/quality" "$WORK/corpus/$p.jpg" "$out" 2>/dev/null || true)
            # counted only when decoded as AVIF/HEIF at exactly 1024 pixels wide
            [[ $row == *" 1024x"*" heifload" ]] || { log "warning: $service $p: not a 1024-wide AVIF: ${row:-no image}"; row=""; }
            rows+="${row:+$row $(stat -c %s "$out")$'\n'}"
        done
        AVIF_Q[$service]=$(awk -v n=${#PHOTOS[@]} 'NF {k++; p += $1; s += $2; b += $5}
            END {if (k == n) printf "%.2f %.4f %.0f", p / k, s / k, b / k; else print "- - -"}' <<<"$rows")
    done
    log "cold AVIF c=2: imgpipe"
    R[imgpipe-avif]=$(load "$IMGPIPE_PID" $IMGPIPE_PORT imgpipe "$IDS" 2 avif.lua)
    log "  req/s, CPU ms/image, p99 ms, faults/request, mean bytes: ${R[imgpipe-avif]}"
    log "cold AVIF c=2: ipx"
    R[ipx-avif]=$(load "$IPX_PID" $IPX_PORT ipx "$IPX_FILES" 2 avif.lua)
    log "  req/s, CPU ms/image, p99 ms, faults/request, mean bytes: ${R[ipx-avif]}"
fi

# ---------------------------------------------------------------- cached hits while cold transforms saturate
if part saturated; then
    start_imgpipe # its queue (256) takes every cold request: none is refused
    SAT_PATH="/bytes/$FIRST/scale:400x300%7Cconvert:webp/"
    curl -s -o /dev/null "http://127.0.0.1:$IMGPIPE_PORT$SAT_PATH"
    log "cached p99 while 16 connections ask for cold rotate chains"
    MODE=imgpipe-rotate IDS=$IDS wrk -t2 -c16 -d$((DURATION + 4))s --timeout 30s -s "$BENCH/variants.lua" \
        "http://127.0.0.1:$IMGPIPE_PORT" >"$WORK/saturating.out" 2>&1 &
    SAT_WRK=$!
    pids+=("$SAT_WRK")
    sleep 2 # the workers busy and the queue filled before the cached hits start
    T0=$(transforms)
    S0=$(date +%s.%N)
    S_CACHED=$(wrk -t1 -c4 -d"${DURATION}s" --latency -s "$BENCH/cached.lua" "http://127.0.0.1:$IMGPIPE_PORT$SAT_PATH" 2>&1 |
        grep RESULT || true)
    SAT_COLD_RPS=$(awk -v d=$(($(transforms) - T0)) -v s0="$S0" -v s1="$(date +%s.%N)" 'BEGIN {printf "%.1f", d / (s1 - s0)}')
    wait "$SAT_WRK" || true
    [ "$(field non2xx "$S_CACHED")" = 0 ] || log "warning: cached hits under saturation: $S_CACHED"
    grep -q 'non2xx=0 ' "$WORK/saturating.out" || log "warning: the saturating load: $(grep RESULT "$WORK/saturating.out")"
fi

# ---------------------------------------------------------------- the table and the verdicts
VCPU_END=$("$WORK/vcpu_speed" 2>/dev/null || true)
{
peers=()
needs_ipx && peers+=("IPX $IPX_VERSION (sharp $SHARP_VERSION, libvips $VIPS_IPX)")
part cached && peers+=(nginx)
echo "## imgpipe${peers[0]:+ vs ${peers[0]}}${peers[1]:+ and ${peers[1]}}, $(date -u +%Y-%m-%d), $(nproc) cores${ONLY:+, only: $ONLY}"
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r), $(nproc) cores;" \
    "page fault cost ${FAULT_NS:-?} ns (bench/pagefault.c: a write to each 4 KB page of 256 MB, best of 3)"
echo "vCPU speed (bench/vcpu_speed.c: one loop pinned to each CPU, best of 3): ${VCPU_START:-?} at the start," \
    "${VCPU_END:-?} at the end"
echo
echo "| measure | imgpipe | peer | ratio | target |"
echo "|---|---|---|---|---|"
if part cold; then
    for chain in "${CHAINS[@]}"; do
        name=${NAME[$chain]}
        target=${TARGET[$chain]}
        for c in 2 8; do
            r=$(ratio "$(f imgpipe-$chain-$c 1)" "$(f ipx-$chain-$c 1)")
            echo "| cold \`$name\`, c=$c, req/s | $(f imgpipe-$chain-$c 1) | IPX $(f ipx-$chain-$c 1) | $r | >= $target |"
            verdict "cold-$chain-vs-ipx c=$c" "$r" ">=" "$target"
        done
        echo "| CPU ms per image, \`$name\` (c=2) | $(f imgpipe-$chain-2 2) | IPX $(f ipx-$chain-2 2) | $(ratio "$(f ipx-$chain-2 2)" "$(f imgpipe-$chain-2 2)")x less | |"
        echo "| page faults per cold transform, c=2 / c=8 | $(f imgpipe-$chain-2 4) / $(f imgpipe-$chain-8 4) | IPX $(f ipx-$chain-2 4) / $(f ipx-$chain-8 4) | | < $FAULTS_GOAL |"
        worst=$(printf '%s\n' "$(f imgpipe-$chain-2 4)" "$(f imgpipe-$chain-8 4)" | sort -g | tail -1)
        [[ $(f imgpipe-$chain-2 4)$(f imgpipe-$chain-8 4) == *-* ]] && worst=-
        verdict "faults-per-cold-transform $chain (worse of c=2, c=8)" "$worst" "<" $FAULTS_GOAL
        case $chain in rotate | thumb) ;; *) continue ;; esac
        IFS='|' read -r r cpu _ <<<"${CPU_ROUND[$chain]}"
        echo "| CPU ms per image vs a minimal libvips program doing the same work (from a mipmap; c=2 and two programs at once, all on CPU $CPU_PIN in the same seconds, the median of ${CPU_ROUNDS:-5} rounds; ratios: ${CPU_RATIOS[$chain]}) | $cpu | minimal ${MINIMAL[$chain]} | $r | <= 1.1 |"
        echo "| ... page faults per image: imgpipe (c=2) / the minimal program | $(f imgpipe-$chain-2 4) | minimal ${MINIMAL_FAULTS[$chain]} | | |"
        verdict "cpu-vs-minimal-libvips $chain" "$r" "<=" 1.1
        echo "| ... and vs the minimal program decoding the JPEG (shrink-on-load, no mipmap) | $(f imgpipe-$chain-2 2) | minimal ${DECODE[$chain]} | $(ratio "$(f imgpipe-$chain-2 2)" "${DECODE[$chain]}") | |"
        echo "| CPU ms per image vs the original design (decode/encode per stage) | $(f imgpipe-$chain-2 2) | staged ${STAGED[$chain]} | $(ratio "${STAGED[$chain]}" "$(f imgpipe-$chain-2 2)")x less | |"
    done
fi
if part cached; then
    r=$(ratio "$(field rps "$C_IMG")" "$(field rps "$C_NGX")")
    echo "| cached variant, 64 connections, req/s (the median of ${CACHED_ROUNDS:-9} rounds of ${CACHED_SECONDS:-4} s, in turn; ratios: $CACHED_RATIOS) | $(field rps "$C_IMG") | nginx $(field rps "$C_NGX") | $r | >= 0.8 |"
    verdict "cached-vs-nginx req/s" "$r" ">=" 0.8
    echo "| cached variant, p99 ms (rounds, imgpipe/nginx/floor: $CACHED_P99S) | $(field p99_ms "$C_IMG") | nginx $(field p99_ms "$C_NGX") | | <= 5 ms |"
    echo "| ... the machine's floor in the same rounds: nginx answering one byte, p99 ms; req/s | | nginx $(field p99_ms "$C_FLOOR"); $(field rps "$C_FLOOR") | | |"
    verdict "cached-p99" "$(field p99_ms "$C_IMG")" "<=" 5 " ms"
    echo "| context switches per cached hit (threads alive at the end; nginx: its workers) | $(field switches "$C_IMG") | nginx $(field switches "$C_NGX") | | |"
    echo "| cached variant, a new connection per request (16 connections), req/s (median of ${CLOSE_ROUNDS:-3} rounds; ratios: $CLOSE_RATIOS) | $(field rps "$CLOSE_IMG") | nginx $(field rps "$CLOSE_NGX") | $(ratio "$(field rps "$CLOSE_IMG")" "$(field rps "$CLOSE_NGX")") | |"
    echo "| ... p99 ms | $(field p99_ms "$CLOSE_IMG") | nginx $(field p99_ms "$CLOSE_NGX") | | |"
    echo "| If-None-Match with the ETag | HTTP $NOT_MODIFIED | | | 304 |"
    verdict "if-none-match" "$NOT_MODIFIED" "==" 304
fi
if part cold; then
    r=$(ratio "$IMGPIPE_PEAK_COLD" "$IPX_PEAK")
    echo "| peak RSS MB after the cold runs | $IMGPIPE_PEAK_COLD | IPX $IPX_PEAK | $r | <= 0.33 |"
    verdict "peak-rss-vs-ipx" "$r" "<=" 0.33
fi
if part big; then
    echo "| peak RSS MB, 8000x8000 JPEG, both chains at c=8 | $BIG_PEAK | IPX $IPX_BIG_PEAK | $(ratio "$BIG_PEAK" "$IPX_BIG_PEAK") | < 400 MB |"
    verdict "peak-rss-8000x8000" "$BIG_PEAK" "<" 400 " MB"
    echo "| 8000x8000 JPEG req/s at c=8, rotate / thumb (new variants of one image) | $(f big-rotate 1) / $(f big-thumb 1) | IPX $(f ipx-big-rotate 1) / $(f ipx-big-thumb 1) | | |"
fi
if part coalesce; then
    echo "| 50 simultaneous requests for one new variant: transforms run | $COALESCE_RUN | | | 1 |"
    verdict "coalesce transforms for 50 requests" "$COALESCE_RUN" "==" 1
    echo "| ... answered 200 / distinct bodies | $COALESCE_OK / $COALESCE_SAME | | | 50 / 1 |"
    verdict "coalesce answers 200" "$COALESCE_OK" "==" 50
    verdict "coalesce distinct bodies" "$COALESCE_SAME" "==" 1
fi
if part upload; then
    echo "| 50 MB upload over loopback, MB/s: receive, spool, fsync (median of 5; range $RECEIVE_RANGE) | $RECEIVE_MBS | | | >= 300 |"
    verdict "upload-50mb MB/s" "$RECEIVE_MBS" ">=" 300
    echo "| ... the same with the full decode check of a 16 MP PNG | $UPLOAD_MBS | | | |"
    echo "| ... RSS MB before / peak while receiving; the same for the PNG | $RSS_BEFORE_RECEIVE / $RSS_PEAK_RECEIVE; $RSS_BEFORE_UPLOAD / $RSS_PEAK_UPLOAD | | | flat: grows < $UPLOAD_GROWTH_GOAL while receiving |"
    verdict "upload-50mb RSS growth while receiving" "$UPLOAD_GROWTH" "<" "$UPLOAD_GROWTH_GOAL" " MB"
fi
if part avif; then
    r=$(ratio "$(f imgpipe-avif 1)" "$(f ipx-avif 1)")
    echo "| cold \`scale:1024x|convert:avif\` vs IPX \`w_1024,f_avif\`, c=2, req/s | $(f imgpipe-avif 1) | IPX $(f ipx-avif 1) | $r | >= 1 |"
    verdict "avif-vs-ipx req/s c=2" "$r" ">=" 1
    echo "| ... CPU ms per image | $(f imgpipe-avif 2) | IPX $(f ipx-avif 2) | $(ratio "$(f ipx-avif 2)" "$(f imgpipe-avif 2)")x less | |"
    echo "| ... mean bytes per image of the cold runs (1004-1044 px; each run its own mix of photos) | $(f imgpipe-avif 5) | IPX $(f ipx-avif 5) | $(ratio "$(f imgpipe-avif 5)" "$(f ipx-avif 5)") | |"
    q() { cut -d' ' -f"$2" <<<"${AVIF_Q[$1]}"; }
    r=$(ratio "$(q imgpipe 3)" "$(q ipx 3)")
    echo "| ... mean bytes per image, the six photos at exactly 1024 px | $(q imgpipe 3) | IPX $(q ipx 3) | $r | <= 1 |"
    verdict "avif-vs-ipx bytes at 1024 px" "$r" "<=" 1
    echo "| ... PSNR dB / SSIM against the source resized by vips, mean of the six | $(q imgpipe 1) / $(q imgpipe 2) | IPX $(q ipx 1) / $(q ipx 2) | | report |"
fi
if part saturated; then
    echo "| cached variant p99 ms (4 connections) while 16 ask for cold rotate chains | $(field p99_ms "$S_CACHED") | | | <= 10 ms |"
    verdict "cached-p99-under-saturation" "$(field p99_ms "$S_CACHED")" "<=" 10 " ms"
    echo "| ... cached req/s / cold transforms per second meanwhile | $(field rps "$S_CACHED") / $SAT_COLD_RPS | | | |"
fi
echo
printf '%s\n' "${VERDICTS[@]}"
} | tee "$WORK/results.md"
