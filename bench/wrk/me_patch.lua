-- PATCH /api/v1/me: a small authenticated write that is audited — the user row
-- and an audit entry in one durable (synchronous=FULL), group-committed
-- transaction. No version in the body, so concurrent writes never get 409.
-- The token comes in with wrk -H.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "status.lua")

wrk.method = "PATCH"
wrk.path = "/api/v1/me"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"display_name":"基准 Bench"}'
