-- wrk script for a fixed path: prints the RESULT line of report.lua.

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
