-- wrk script for bench/object/run.sh: 4 KiB object PUTs or GETs.
--   wrk -t T -c C -d D -H 'X-Auth-Token: ...' -s small.lua URL/CONTAINER -- PUT
--   wrk ... -s small.lua URL/CONTAINER -- GET N   (GETs g-0 .. g-(N-1), made before)
-- PUTs name objects o-<thread>-<n>: each one is a new object.
-- Prints one line: RESULT <requests> <seconds> <p99 ms> <errors>.
local next_tid = 0

function setup(thread)
	next_tid = next_tid + 1
	thread:set("tid", next_tid)
end

function init(args)
	method = args[1]
	nget = tonumber(args[2] or "100")
	body = string.rep("0123456789abcdef", 256)
	n = 0
end

function request()
	n = n + 1
	if method == "PUT" then
		return wrk.format("PUT", wrk.path .. "/o-" .. tid .. "-" .. n, nil, body)
	end
	return wrk.format("GET", wrk.path .. "/g-" .. (n % nget))
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %d %.6f %.3f %d\n", summary.requests,
		summary.duration / 1e6, latency:percentile(99) / 1000,
		e.connect + e.read + e.write + e.status + e.timeout))
end
