-- A queue page or the queue counts: GET the path of wrk's URL as it is, e.g.
-- /api/v1/tickets?queue=mine, /api/v1/tickets?queue=overdue&project_id=1 or
-- /api/v1/tickets/queues (the first page, 50 tickets, as a desk would show it).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "status.lua")

wrk.method = "GET"
