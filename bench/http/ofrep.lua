-- SPDX-License-Identifier: MIT
-- ofrep.lua: OpenFeature's OFREP routes for random accounts (issue 14). BENCH_OFREP:
--   one      POST /ofrep/v1/evaluate/flags/qt01 (one flag; the targeting key is the account)
--   bulk     POST /ofrep/v1/evaluate/flags (every view of all 100 features)
--   bulk304  the same with If-None-Match holding the account's current tag (BENCH_ETAGS: the
--            file of "account<TAB>etag" lines bench/prepare.py wrote): 304, no body
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local mode = os.getenv("BENCH_OFREP") or "one"

function init(args)
   if mode == "bulk304" then
      local tags = {}
      for line in io.lines(os.getenv("BENCH_ETAGS")) do
         local acct, tag = line:match("^(%S+)\t(.+)$")
         if acct then tags[#tags + 1] = {acct, tag} end
      end
      prepare(#tags, function(i)
         local body = string.format('{"context":{"targetingKey":"%s"}}', tags[i][1])
         local headers = {["If-None-Match"] = tags[i][2]} -- given headers replace wrk.headers
         for name, value in pairs(wrk.headers) do headers[name] = value end
         return wrk.format("POST", "/ofrep/v1/evaluate/flags", headers, body)
      end)
      return
   end
   local path = mode == "bulk" and "/ofrep/v1/evaluate/flags" or "/ofrep/v1/evaluate/flags/qt01"
   prepare(ACCOUNTS, function(i)
      local body = string.format('{"context":{"targetingKey":"acct%05d"}}', i - 1)
      return wrk.format("POST", path, nil, body)
   end)
end

request = prepared_request
