-- GET /api/v1/tickets/{id}: one ticket with its clocks, category and caller,
-- a random one of the loaded tickets each time; with PREFIX any other object
-- by a random id (bench/attachments: /api/v1/attachments/).
--
--   wrk … -s ticket_get.lua URL -- MAX_ID [PREFIX]
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "status.lua")

local status_setup, status_init = setup, init
local nthreads = 0

function setup(thread)
   status_setup(thread)
   nthreads = nthreads + 1
   thread:set("thread_no", nthreads)
end

local max_id, prefix = 1, "/api/v1/tickets/"

function init(args)
   status_init(args)
   math.randomseed(os.time() + (thread_no or 0) * 7919)
   max_id = tonumber(args[1]) or error("ticket_get.lua: give the highest ticket id after --")
   prefix = args[2] or prefix
end

function request()
   return wrk.format("GET", prefix .. math.random(max_id))
end
