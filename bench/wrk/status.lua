-- Shared by the bench/wrk scripts (loaded with dofile): counts answers whose
-- status is >= 300 in every wrk thread and, when wrk is done, prints one
-- machine-readable line that bench/http reads:
--
--   KEFU_BENCH requests=N bad_status=N first_bad=STATUS socket_errors=N p50_us=N p99_us=N
--
-- wrk's own "Non-2xx or 3xx responses" line says the same as bad_status; the
-- count here also works when wrk leaves that line out (no bad answers).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   bad_status = 0
   first_bad = 0
end

function response(status, headers, body)
   if status >= 300 then
      bad_status = bad_status + 1
      if first_bad == 0 then first_bad = status end
   end
end

function done(summary, latency, requests)
   local bad, first = 0, 0
   for _, t in ipairs(threads) do
      bad = bad + (t:get("bad_status") or 0)
      local f = t:get("first_bad") or 0
      if first == 0 then first = f end
   end
   local e = summary.errors
   io.write(string.format(
      "KEFU_BENCH requests=%d bad_status=%d first_bad=%d socket_errors=%d p50_us=%d p99_us=%d\n",
      summary.requests, bad, first, e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(99)))
end
