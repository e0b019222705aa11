dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
-- wrk script: cold AVIF conversions about 1024 pixels wide, a new variant every request: the
-- width moves by a pixel (1004-1044, 41 widths: 246 variants over the six photos before one repeats).
--   MODE=imgpipe|ipx  IDS=id1,id2,...  (IPX: file names)
-- Adds to report.lua's RESULT line the mean size of the 200 answers' bodies, all threads together.
local report_done = done

function init(args)
    read_ids()
    mode = os.getenv("MODE")
    bytes, answers = 0, 0
end

function request()
    local id, k = next_photo()
    local w = 1004 + k % 41
    if mode == "imgpipe" then
        return wrk.format("GET", "/bytes/" .. id .. "/scale:" .. w .. "x%7Cconvert:avif/")
    end
    return wrk.format("GET", "/w_" .. w .. ",f_avif/" .. id)
end

function response(status, headers, body)
    if status == 200 then
        bytes = bytes + #body
        answers = answers + 1
    end
end

function done(summary, latency, requests)
    local b, n = 0, 0
    for _, t in ipairs(threads) do
        b = b + t:get("bytes")
        n = n + t:get("answers")
    end
    io.write(string.format("BYTES mean_bytes=%.0f answers=%d\n", n > 0 and b / n or 0, n))
    report_done(summary, latency, requests)
end
