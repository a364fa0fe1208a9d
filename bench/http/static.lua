-- SPDX-License-Identifier: MIT
-- static.lua: the nginx baseline: GET of the static file named by the URL; only the results line.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
wrk.headers["Authorization"] = nil
wrk.headers["Content-Type"] = nil
