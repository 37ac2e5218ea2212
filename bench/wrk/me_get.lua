-- GET /api/v1/me: the signed-in account, its projects and permissions (a read
-- transaction over a few indexed rows). The token comes in with wrk -H.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "status.lua")

wrk.method = "GET"
wrk.path = "/api/v1/me"
