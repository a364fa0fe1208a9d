-- SPDX-License-Identifier: MIT
-- usage.lua: enforced usage events of me01 (10^9 a month: never refused) for random accounts,
-- one per POST /v1/usage, or BENCH_BATCH per POST /v1/usage/batch.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local batch = tonumber(os.getenv("BENCH_BATCH") or "1")

local function event()
   return string.format('{"account":"%s","feature":"me01","amount":1,"enforce":true}', account())
end

function init(args)
   prepare(batch == 1 and 10000 or 200, function(i)
      if batch == 1 then return wrk.format("POST", "/v1/usage", nil, event()) end
      local evs = {}
      for k = 1, batch do evs[k] = event() end
      return wrk.format("POST", "/v1/usage/batch", nil,
                        '{"events":[' .. table.concat(evs, ",") .. ']}')
   end)
end

request = prepared_request
