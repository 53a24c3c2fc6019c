-- wrk script for `make bench`: GET the failover document of a random agent
-- (ids from RELAIS_BENCH_IDS, one per line) with the bearer token in
-- RELAIS_BENCH_TOKEN. With RELAIS_BENCH_DELAY_MS, each connection waits that
-- long between requests (a paced load, for latency below the maximum rate).
local ids = {}
local token = os.getenv("RELAIS_BENCH_TOKEN") or ""
local pause = tonumber(os.getenv("RELAIS_BENCH_DELAY_MS") or "0")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  for line in io.lines(os.getenv("RELAIS_BENCH_IDS")) do
    ids[#ids + 1] = line
  end
  math.randomseed(os.time() * 1000 + (seed or 0))
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/api/runtime/v1/agents/" .. id .. "/failover",
    { ["Authorization"] = "Bearer " .. token })
end

if pause > 0 then
  function delay()
    return pause
  end
end
