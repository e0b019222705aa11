-- wrk script for bench/saturate.sh: more load than the service can take, of every kind: uploads,
-- cold thumbnails and rotate chains, a cached variant, metadata reads and bad requests.
-- IDS=id1,id2,...  UPLOAD=path of a JPEG to upload. Counts answers per status across threads.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
local report_done = done -- the RESULT line of report.lua

function init(args)
    read_ids()
    local f = assert(io.open(os.getenv("UPLOAD"), "rb"))
    local jpeg = f:read("*a")
    f:close()
    upload_body = "--soakboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"soak.jpg\"\r\n" ..
        "Content-Type: image/jpeg\r\n\r\n" .. jpeg .. "\r\n--soakboundary--\r\n"
    statuses = {}
end

function request()
    local id, k = next_photo()
    local pick = counter % 20
    if pick < 1 then      -- 5% uploads
        return wrk.format("POST", "/image/upload/",
            {["Content-Type"] = "multipart/form-data; boundary=soakboundary"}, upload_body)
    end
    local path
    if pick < 8 then      -- 35% cold thumbnails
        path = thumbnail_path(id, k)
    elseif pick < 11 then -- 15% cold rotate chains
        path = rotate_path(id, k)
    elseif pick < 16 then -- 25% one cached variant
        path = cached_path(ids[1])
    elseif pick < 19 then -- 15% metadata
        path = "/image/" .. id .. "/"
    else                  -- 5% bad requests
        path = "/image/" .. id .. "/rotat:10/"
    end
    return wrk.format("GET", path)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
        local s = t:get("statuses")
        for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
    end
    local line = "STATUSES"
    local codes = {}
    for code in pairs(total) do table.insert(codes, code) end
    table.sort(codes)
    for _, code in ipairs(codes) do line = line .. string.format(" %d=%d", code, total[code]) end
    io.write(line .. "\n")
    report_done(summary, latency, requests)
end
