#!/bin/sh
# Runs one libFuzzer target for a while and prints its final figures; on a failure, the end of its
# log and the input that broke it (kept under the build tree; copy it to fuzz/regressions/<target>/).
#   run-target.sh BINARY SECONDS WORK_CORPUS SEED_CORPUS ARTIFACT_DIR
set -u
binary=$1 seconds=$2 work=$3 seeds=$4 artifacts=$5
mkdir -p "$work" "$artifacts"
log="$artifacts/last-run.log"
"$binary" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "$seeds" > "$log" 2>&1
status=$?
name=$(basename "$binary")
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
corpus=$(ls "$work" | wc -l)
line="$name: ${runs:-0} executions in ${seconds} s (${rate:-0}/s), corpus $corpus inputs, exit $status"
# fuzz_image reports the largest heap peak of an input under 1 KB (its budget is 64 MB).
peak=$(sed -n 's/^fuzz_image: the largest heap peak for an input under 1024 bytes: //p' "$log" | tail -n 1)
[ -n "$peak" ] && line="$line; largest heap peak of an input under 1 KB: $peak"
echo "$line"
echo "$line" >> "$(dirname "$artifacts")/fuzz-summary.txt"
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    ls -l "$artifacts"
fi
exit "$status"
