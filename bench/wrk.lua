-- wrk script shared by every scenario of bench/run.sh.
--
--   BENCH_BODY=file.json  POST this file as the JSON body (unset: GET)
--   BENCH_KEY_MAX=N       replace each {{KEY}} of the body with a random integer in 1..N, per
--                         request (random keys over a big lookup table, not one hot row)
--
-- `done` prints one machine-readable line, `BENCH key=value ...`, read by bench/lib/report.py.

local body_file = os.getenv("BENCH_BODY")
local key_max = tonumber(os.getenv("BENCH_KEY_MAX") or "0") or 0
local template = nil

if body_file ~= nil and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  template = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.body = template
  wrk.headers["Content-Type"] = "application/json"
end

if template ~= nil and key_max > 0 then
  local thread_seed = 0
  function setup(thread)
    thread_seed = thread_seed + 1
    thread:set("seed", thread_seed)
  end
  function init(args)
    math.randomseed(1000 + (seed or 0))
  end
  function request()
    local key = tostring(math.random(1, key_max))
    local body = template:gsub("{{KEY}}", key)
    return wrk.format(nil, nil, nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d status_errors=%d socket_errors=%d p50_us=%d p99_us=%d mean_us=%.1f\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
