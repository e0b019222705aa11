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

# watch_memory PID PORT MINUTES: a table row every minute (RSS, transforms and 503s so far from
# /metrics), then how RSS moved: minute 1 to the last, minute 2 (warmed up) to the last, the range
# and the peak. Runs in the foreground for MINUTES minutes.
watch_memory() {
    local pid=$1 port=$2 minutes=$3 m rss metrics first="" warm="" all=""
    echo "| minute | RSS MB | transforms | 503s so far |"
    echo "|---|---|---|---|"
    for m in $(seq 1 "$minutes"); do
        sleep 60
        rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
        [ "$m" = 1 ] && first=$rss
        [ "$m" = 2 ] && warm=$rss
        all="$all $rss"
        metrics=$(curl -s -m 5 "http://127.0.0.1:$port/metrics" || true)
        echo "| $m | $rss | $(awk '$1=="imgpipe_transforms_total" {print $2}' <<<"$metrics") | $(awk '$1=="imgpipe_overloaded_total" {print $2}' <<<"$metrics") |"
    done
    echo "RSS change from minute 1 to minute $minutes: $(awk -v a="$first" -v b="$rss" 'BEGIN {printf "%+.1f%%", (b - a) * 100 / a}') (target within 10%)"
    [ -z "$warm" ] || echo "RSS from minute 2 to minute $minutes: $(awk -v a="$warm" -v b="$rss" 'BEGIN {printf "%+.1f%%", (b - a) * 100 / a}'); range over the run: $(tr ' ' '\n' <<<"$all" | sort -n | sed -n '2p;$p' | paste -sd-) MB"
    echo "peak RSS MB: $(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")"
}
