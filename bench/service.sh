# Sourced by the bench scripts: start imgpipe and upload the six corpus photos.

# wait_healthy PORT: until /health answers (5 s at most).
wait_healthy() {
    for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/health" && return 0; sleep 0.1; done
    echo "imgpipe did not start on port $1" >&2
    return 1
}

# upload_corpus PORT: uploads the six photos of $WORK/corpus, prints their ids comma-separated.
upload_corpus() {
    local ids="" id p
    for p in Autumn Path ColdRipple FallenLeaf EveningGlow ColorfulCups; do
        id=$(curl -s -F "file=@$WORK/corpus/$p.jpg" "http://127.0.0.1:$1/image/upload/" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
        ids="$ids${ids:+,}$id"
    done
    echo "$ids"
}

# load_seconds MINUTES: how long the load under watch_memory runs: 15 s past its last reading, so
# that this one is taken under load (once idle, the service hands its free memory back within ~2 s;
# README, Memory).
load_seconds() { echo $(($1 * 60 + 15)); }

# watch_memory PID PORT MINUTES: RSS read every second; a table row every minute (RSS at the
# minute's end, the median and range of its 60 readings, the median of what the allocator had in
# use, read from /metrics every 5 s, transforms and 503s so far), then how RSS moved from minute 1
# to the last, and from minute 2 (warmed up): by the reading at the minute's end, and by the
# minute's median. Under load the service hands its free pages back periodically (README, Memory),
# so RSS is a sawtooth with that period; one reading per minute lands anywhere on it, the median of
# a minute does not. Memory in use that stays flat while RSS climbs is freed memory held, not a
# leak. Runs in the foreground for MINUTES minutes.
watch_memory() {
    local pid=$1 port=$2 minutes=$3 m s rss metrics readings stats ahead k=0 t0 live lives
    local first="" warm="" first_med="" warm_med="" med="" all="" first_live="" live_med=""
    t0=$(date +%s%N)
    echo "| minute | RSS MB at its end | median | range | in use MB (median) | transforms | 503s so far |"
    echo "|---|---|---|---|---|---|---|"
    median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)], v[1] "-" v[NR]}'; }
    for m in $(seq 1 "$minutes"); do
        readings=""
        lives=""
        for s in $(seq 60); do
            # On a clock from the start: the readings do not drift past the load's end.
            k=$((k + 1))
            ahead=$((t0 + k * 1000000000 - $(date +%s%N)))
            [ "$ahead" -le 0 ] || sleep "$(awk -v n="$ahead" 'BEGIN {printf "%.3f", n / 1e9}')"
            rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
            readings="$readings $rss"
            if [ $((s % 5)) = 0 ]; then
                live=$(curl -s -m 2 "http://127.0.0.1:$port/metrics" | awk '$1=="imgpipe_allocator_live_bytes" {printf "%.0f", $2 / 1048576}' || true)
                lives="$lives $live"
            fi
        done
        stats=$(median "$readings")
        med=${stats%% *}
        live_med=$(median "$lives")
        live_med=${live_med%% *}
        [ "$m" = 1 ] && first=$rss && first_med=$med && first_live=$live_med
        [ "$m" = 2 ] && warm=$rss && warm_med=$med
        all="$all $readings"
        metrics=$(curl -s -m 5 "http://127.0.0.1:$port/metrics" || true)
        echo "| $m | $rss | $med | ${stats#* } | $live_med | $(awk '$1=="imgpipe_transforms_total" {print $2}' <<<"$metrics") | $(awk '$1=="imgpipe_overloaded_total" {print $2}' <<<"$metrics") |"
    done
    pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f%%", (b - a) * 100 / a}'; }
    echo "RSS change from minute 1 to minute $minutes: median $(pct "$first_med" "$med") (target within 10%), reading at its end $(pct "$first" "$rss")"
    [ -z "$warm" ] || echo "RSS from minute 2 to minute $minutes: median $(pct "$warm_med" "$med"), reading at its end $(pct "$warm" "$rss"); range over the run: $(tr ' ' '\n' <<<"$all" | sed '/^$/d' | sort -n | sed -n '1p;$p' | paste -sd-) MB"
    [ -z "$first_live" ] || [ -z "$live_med" ] || echo "memory in use (allocator), minute medians: $first_live MB in minute 1, $live_med MB in minute $minutes ($(pct "$first_live" "$live_med"))"
    echo "peak RSS MB: $(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")"
}
