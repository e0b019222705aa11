-- wrk script for bench/soak.sh: a mix of cold variants (new every time), one cached variant,
-- metadata reads and bad requests. IDS=id1,id2,...
function init(args)
    read_ids()
end

function request()
    local id, k = next_photo()
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

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
