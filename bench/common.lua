-- Shared by the wrk scripts (variants.lua, soak.lua, saturate.lua): thread numbers, the photo ids,
-- the next (photo, k) pair of a thread, and the variant paths of the soak and saturation mixes.
threads = {}
local next_tid = 0
function setup(thread)
    thread:set("tid", next_tid)
    next_tid = next_tid + 1
    table.insert(threads, thread)
end

-- IDS=id1,id2,... (photo ids, or file names for IPX); call from init().
function read_ids()
    ids = {}
    for id in string.gmatch(os.getenv("IDS"), "[^,]+") do table.insert(ids, id) end
    counter = 0
end

-- Counts this thread's requests; returns the photo to ask for and k, which never repeats with it.
function next_photo()
    counter = counter + 1
    local n = counter * 16 + tid
    return ids[(n % #ids) + 1], math.floor(n / #ids)
end

-- Every k gives a variant nobody asked for before: 200 x 400 thumbnail sizes per photo (never
-- past the output limits), rotate angles moving by 1e-6 degree.
function thumbnail_path(id, k)
    return "/bytes/" .. id .. "/scale:" .. (300 + k % 200) .. "x" .. (200 + math.floor(k / 200) % 400) .. "%7Cconvert:webp/"
end

function rotate_path(id, k)
    return "/bytes/" .. id .. "/rotate:" .. string.format("%d.%06d", 1 + k % 300, math.floor(k / 300)) .. "%7Cconvert:png%7Cscale:200x100/"
end

function cached_path(id)
    return "/bytes/" .. id .. "/scale:400x300%7Cconvert:webp/"
end

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
