-- GET /api/v1/attachments/{id}: a random one of the attachments 1..MAX_ID,
-- its bytes read from the store and checked against their hash.
--
--   wrk … -s attachment_get.lua URL -- MAX_ID
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "status.lua")

local status_setup, status_init = setup, init
local nthreads = 0

function setup(thread)
   status_setup(thread)
   nthreads = nthreads + 1
   thread:set("thread_no", nthreads)
end

local max_id = 1

function init(args)
   status_init(args)
   math.randomseed(os.time() + (thread_no or 0) * 7919)
   max_id = tonumber(args[1]) or error("attachment_get.lua: give the highest id after --")
end

function request()
   return wrk.format("GET", "/api/v1/attachments/" .. math.random(max_id))
end
