-- A search page: GET the path of wrk's URL (a queue, or /api/v1/tickets) with
-- q= one of the queries of FILE (one per line, already URL-encoded), a random
-- one each time: the first page, 50 tickets, newest first.
--
--   wrk … -s ticket_search.lua URL -- FILE
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "status.lua")

local status_setup, status_init = setup, init
local nthreads = 0

function setup(thread)
   status_setup(thread)
   nthreads = nthreads + 1
   thread:set("thread_no", nthreads)
end

local queries, base = {}, nil

function init(args)
   status_init(args)
   math.randomseed(os.time() + (thread_no or 0) * 7919)
   local f = io.open(args[1] or error("ticket_search.lua: give the query file after --"), "r")
   for line in f:lines() do
      if line ~= "" then queries[#queries + 1] = line end
   end
   f:close()
   base = wrk.path .. (wrk.path:find("?", 1, true) and "&q=" or "?q=")
end

function request()
   return wrk.format("GET", base .. queries[math.random(#queries)])
end
