-- SPDX-License-Identifier: MIT
-- common.lua: shared by the wrk scripts of bench/http: the admin key, random accounts and
-- features of bench/gen_dataset.py, and the one line of results scripts/bench.sh reads.
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("ENTITLED_BENCH_KEY") or "")
wrk.headers["Content-Type"] = "application/json"
ACCOUNTS = tonumber(os.getenv("BENCH_ACCOUNTS") or "10000")

function account()
   return string.format("acct%05d", math.random(0, ACCOUNTS - 1))
end

-- The first n feature keys, two of every type in each ten: qt01, sw01, cu01, rg01, me01, qt02, …
function features(n)
   local types = {"qt", "sw", "cu", "rg", "me"}
   local out = {}
   for i = 1, 20 do
      for _, t in ipairs(types) do
         if #out < n then out[#out + 1] = string.format('"%s%02d"', t, i) end
      end
   end
   return table.concat(out, ",")
end

-- Requests made in advance (wrk.format), sent in random order: Lua stays out of the way.
PREPARED = {}
function prepare(count, make)
   math.randomseed(os.time() + math.floor(os.clock() * 1000000))
   for i = 1, count do PREPARED[i] = make(i) end
end

function prepared_request()
   return PREPARED[math.random(1, #PREPARED)]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("BENCH\t%d\t%.3f\t%.3f\t%.3f\t%d\t%d\n", summary.requests,
                          summary.duration / 1e6, latency:percentile(50) / 1000,
                          latency:percentile(99) / 1000, e.status,
                          e.connect + e.read + e.write + e.timeout))
end
