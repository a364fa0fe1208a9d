-- SPDX-License-Identifier: MIT
-- patch_accounts.lua: one change (account.updated) per PATCH /v1/accounts/{id}, for random
-- accounts: a source of audit events, and so of webhook messages (bench/webhooks.sh).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

function init(args)
   prepare(10000, function(i)
      return wrk.format("PATCH", "/v1/accounts/" .. account(), nil,
                        string.format('{"name":"Bench %d"}', i))
   end)
end

request = prepared_request
