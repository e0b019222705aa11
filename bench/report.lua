-- The one RESULT line the bench scripts parse; loaded by the wrk scripts beside this file.
function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d errors=%d non2xx=%d p99_ms=%.2f rps=%.2f\n",
        summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout, summary.errors.status, latency:percentile(99) / 1000,
        summary.requests / (summary.duration / 1e6)))
end
