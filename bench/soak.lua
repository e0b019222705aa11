-- wrk script for bench/soak.sh: a mix of cold variants (new every time), one cached variant,
-- metadata reads and bad requests. IDS=id1,id2,...
local next_tid = 0
function setup(thread)
    thread:set("tid", next_tid)
    next_tid = next_tid + 1
end

function init(args)
    ids = {}
    for id in string.gmatch(os.getenv("IDS"), "[^,]+") do table.insert(ids, id) end
    counter = 0
end

function request()
    counter = counter + 1
    local n = counter * 16 + tid
    local id = ids[(n % #ids) + 1]
    local k = math.floor(n / #ids)
    local pick = counter % 20
    local path
    if pick < 8 then      -- cold thumbnail
        path = thumbnail_path(id, k)
    elseif pick < 12 then -- cold rotate chain
        path = rotate_path(id, k)
    elseif pick < 18 then -- cached variant
        path = cached_path(ids[1])
    elseif pick < 19 then -- metadata
        path = "/image/" .. id .. "/"
    else                  -- a bad request
        path = "/image/" .. id .. "/rotat:10/"
    end
    return wrk.format("GET", path)
end

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "paths.lua")
