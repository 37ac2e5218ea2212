-- POST /api/v1/tickets: durable intake (受理) as the front desk does it — a
-- repair or complaint by phone from a resident of a unit, with a category, so
-- that the routing rules pick the department and round-robin dispatch picks
-- the person: the ticket, its clocks, events, counts and a notification in one
-- durable transaction. Subjects, units and callers vary per request.
--
--   wrk … -s ticket_create.lua URL -- DATA.tsv
--
-- DATA.tsv (written by bench/tickets): "C<TAB>type<TAB>category_id<TAB>subject"
-- and "U<TAB>unit_id<TAB>person_id<TAB>mobile<TAB>name" lines.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "status.lua")

local status_setup, status_init = setup, init
local nthreads = 0

function setup(thread)
   status_setup(thread)
   nthreads = nthreads + 1
   thread:set("thread_no", nthreads)
end

local cats, callers, n = {}, {}, 0

function init(args)
   status_init(args)
   math.randomseed(os.time() + (thread_no or 0) * 7919)
   local f = assert(io.open(args[1], "r"), "ticket_create.lua: cannot read " .. tostring(args[1]))
   for line in f:lines() do
      local kind, a, b, c, d = line:match("^(%a)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t?([^\t]*)$")
      if kind == "C" then
         table.insert(cats, {type = a, category = b, subject = c})
      elseif kind == "U" then
         table.insert(callers, {unit = a, person = b, phone = c, name = d})
      end
   end
   f:close()
   assert(#cats > 0 and #callers > 0, "ticket_create.lua: no data in " .. args[1])
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   n = n + 1
   local c = cats[math.random(#cats)]
   local who = callers[math.random(#callers)]
   local body = string.format(
      '{"project_id":1,"type":"%s","channel":"phone","severity":"general","category_id":%s,' ..
      '"unit_id":%s,"person_id":%s,"caller_name":"%s","caller_phone":"%s",' ..
      '"subject":"%s（压测 %d-%d）","description":"业主来电：%s，请尽快安排处理。"}',
      c.type, c.category, who.unit, who.person, who.name, who.phone, c.subject,
      thread_no or 0, n, c.subject)
   return wrk.format("POST", "/api/v1/tickets", nil, body)
end
