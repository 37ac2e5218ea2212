-- POST /api/v1/tickets/{id}/attachments: a photo of SIZE bytes with a JPEG
-- header, different in every request (so each is a new file: written,
-- synced and renamed into the store, then its row and event committed).
--
--   wrk … -s attachment_upload.lua URL -- SIZE
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "status.lua")

local status_setup, status_init = setup, init
local nthreads = 0

function setup(thread)
   status_setup(thread)
   nthreads = nthreads + 1
   thread:set("thread_no", nthreads)
end

local header = "\255\216\255\224\0\16JFIF\0\1\1\0\0\1\0\1\0\0"
local filler, n = "", 0

function init(args)
   status_init(args)
   local size = tonumber(args[1]) or error("attachment_upload.lua: give the file size after --")
   filler = string.rep("k", size - #header - 24)
   wrk.headers["Content-Type"] = "image/jpeg"
end

function request()
   n = n + 1
   local body = header .. string.format("%08d%016d", thread_no or 0, n) .. filler
   return wrk.format("POST", nil, nil, body)
end
