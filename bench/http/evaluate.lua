-- SPDX-License-Identifier: MIT
-- evaluate.lua: POST /v1/evaluate of BENCH_FEATURES features (1, 10 or 100) for random accounts.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local n = tonumber(os.getenv("BENCH_FEATURES") or "1")

function init(args)
   local f = features(n)
   prepare(ACCOUNTS, function(i)
      local body = string.format('{"account":"acct%05d","features":[%s]}', i - 1, f)
      return wrk.format("POST", "/v1/evaluate", nil, body)
   end)
end

request = prepared_request
