-- SPDX-License-Identifier: MIT
-- bulk.lua: POST /v1/evaluate/bulk of 100 random accounts x 100 features.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

function init(args)
   local f = features(100)
   prepare(500, function(i)
      local accs = {}
      for k = 1, 100 do accs[k] = '"' .. account() .. '"' end
      local body = string.format('{"accounts":[%s],"features":[%s]}', table.concat(accs, ","), f)
      return wrk.format("POST", "/v1/evaluate/bulk", nil, body)
   end)
end

request = prepared_request
