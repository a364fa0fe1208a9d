-- SPDX-License-Identifier: MIT
-- churn.lua: activation churn: POST /v1/activations of a new fingerprint on qt01 (1000 seats per
-- account) for a random account, then DELETE /v1/activations/{id} of what it answered; half the
-- requests activate, half deactivate.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local pending = {}
local serial = 0
local run

function init(args)
   math.randomseed(os.time() + math.floor(os.clock() * 1000000))
   run = string.format("%x", math.random(0, 2 ^ 30))
end

function request()
   if #pending > 0 then
      return wrk.format("DELETE", "/v1/activations/" .. table.remove(pending), nil, nil)
   end
   serial = serial + 1
   local body = string.format('{"account":"%s","feature":"qt01","fingerprint":"bench-%s-%d"}',
                              account(), run, serial)
   return wrk.format("POST", "/v1/activations", nil, body)
end

function response(status, headers, body)
   if status == 201 then
      local id = body:match('"id":"([^"]+)"')
      if id then pending[#pending + 1] = id end
   end
end
