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
