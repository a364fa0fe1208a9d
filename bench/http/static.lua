-- SPDX-License-Identifier: MIT
-- static.lua: the nginx baseline: GET of the static file named by the URL; only the results line.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
wrk.headers["Authorization"] = nil
wrk.headers["Content-Type"] = nil
-- The nginx side of ofrep_bulk_304: a conditional GET of a file whose tag it holds (304).
if os.getenv("BENCH_OFREP") == "bulk304" then
   wrk.headers["If-None-Match"] = os.getenv("BENCH_NGINX_ETAG")
end
