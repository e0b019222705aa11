-- Request paths shared by the soak and saturation mixes. `k` counts up: every k gives a variant
-- nobody asked for before (200 x 400 thumbnail sizes per photo, never past the output limits;
-- rotate angles moving by 1e-6 degree).
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
