-- wrk script: every request asks for a variant nobody asked for before (a cold transform), with
-- the same work each time: the output size moves by a few pixels and the angle by 1e-6 degree.
--   MODE=imgpipe-|ipx- + rotate|thumb|cover|blur  IDS=id1,id2,...  (IPX: file names)
-- run.sh gives imgpipe a fresh data directory for every cold run, so no variant is stored yet.
function init(args)
    read_ids()
    mode = os.getenv("MODE")
end

function request()
    local id, k = next_photo()
    local path
    if mode == "imgpipe-rotate" or mode == "ipx-rotate" then
        -- both sides cycle fast around 200x100: any stretch of requests averages it (vips_minimal
        -- --mipmap makes the same sizes); (k % 21, 4k % 11) repeats only after 231, when the angle moves
        local w, h = 190 + k % 21, 95 + (4 * k) % 11
        local angle = string.format("10.%06d", math.floor(k / 231) % 1000000)
        if mode == "imgpipe-rotate" then
            path = "/bytes/" .. id .. "/rotate:" .. angle .. "%7Cconvert:png%7Cscale:" .. w .. "x" .. h .. "/"
        else
            path = "/rotate_" .. angle .. ",f_png,s_" .. w .. "x" .. h .. "/" .. id
        end
    else
        -- 2501 sizes, both sides cycling fast around 400x300 as above; past them (some 940
        -- requests per wrk thread) the height moves on by 61 pixels a round: no variant repeats
        local w, h = 380 + k % 41, 270 + (3 * k) % 61 + 61 * math.floor(k / 2501)
        if mode == "imgpipe-thumb" then
            path = "/bytes/" .. id .. "/scale:" .. w .. "x" .. h .. "%7Cconvert:webp/"
        elseif mode == "ipx-thumb" then
            path = "/s_" .. w .. "x" .. h .. ",f_webp/" .. id
        -- A cover-crop thumbnail: fill the box, crop the overflow around the centre.
        elseif mode == "imgpipe-cover" then
            path = "/bytes/" .. id .. "/fit:" .. w .. "x" .. h .. ":cover%7Cconvert:webp/"
        elseif mode == "ipx-cover" then
            path = "/s_" .. w .. "x" .. h .. ",fit_cover,f_webp/" .. id
        -- A blurred thumbnail (sharp blurs after its resize; imgpipe runs the chain as written).
        elseif mode == "imgpipe-blur" then
            path = "/bytes/" .. id .. "/fit:" .. w .. "x" .. h .. ":cover%7Cblur:3%7Cconvert:webp/"
        else
            path = "/s_" .. w .. "x" .. h .. ",fit_cover,blur_3,f_webp/" .. id
        end
    end
    return wrk.format("GET", path)
end

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
