-- wrk script for `make bench`: GET the failover document of a random agent
-- (ids from RELAIS_BENCH_IDS, one per line) with the bearer token in
-- RELAIS_BENCH_TOKEN. With RELAIS_BENCH_MODE=resolve, the resolve call instead,
-- for a random cause of the nine (the moment: now, the server's default);
-- with RELAIS_BENCH_MODE=ofrep, OFREP's single evaluation of the flag
-- `failover` (a POST whose context's targetingKey is the agent).
-- With RELAIS_BENCH_DELAY_MS, each connection waits that long between
-- requests (a paced load, for latency below the maximum rate).
-- Requests are formatted once, at start (a deck of 65,536 random agents and
-- causes), then dealt in turn: formatting each in Lua per request cost wrk
-- as much CPU as the server's answer, so wrk's core was the limit measured.
local ids = {}
local token = os.getenv("RELAIS_BENCH_TOKEN") or ""
local pause = tonumber(os.getenv("RELAIS_BENCH_DELAY_MS") or "0")
local mode = os.getenv("RELAIS_BENCH_MODE") or "get"
local causes = {
  "precall_timeout", "precall_error", "precall_invalid_data", "precall_explicit",
  "config_missing_voice", "config_kb_unavailable", "config_language_conflict",
  "config_other", "prompt_render_failed",
}
local headers = { ["Authorization"] = "Bearer " .. token }
local post_headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local counter = 0
local DECK = 65536
local deck = {}
local dealt = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

local function format_one()
  local id = ids[math.random(#ids)]
  if mode == "ofrep" then
    return wrk.format("POST", "/ofrep/v1/evaluate/flags/failover", post_headers,
      '{"context":{"targetingKey":"' .. id .. '"}}')
  end
  if mode == "resolve" then
    return wrk.format("GET", "/api/runtime/v1/agents/" .. id .. "/failover/resolve?cause="
      .. causes[math.random(#causes)], headers)
  end
  return wrk.format("GET", "/api/runtime/v1/agents/" .. id .. "/failover", headers)
end

function init(args)
  for line in io.lines(os.getenv("RELAIS_BENCH_IDS")) do
    ids[#ids + 1] = line
  end
  math.randomseed(os.time() * 1000 + (seed or 0))
  for i = 1, DECK do
    deck[i] = format_one()
  end
end

function request()
  dealt = dealt % DECK + 1
  return deck[dealt]
end

if pause > 0 then
  function delay()
    return pause
  end
end
