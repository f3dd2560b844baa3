-- wrk script: paces every connection so that together they send about RATE requests a second (an open-model rate
-- on a closed-loop tool; wrk2 is not packaged here). Each connection waits a random time around CONNECTIONS/RATE
-- seconds (uniform, 0.5x to 1.5x, so that connections do not fire together) before each request; latency is timed
-- from when a request is sent, so a stall delays later requests instead of showing in their latency (coordinated
-- omission): compare proxies at a rate well below what each sustains, and check the achieved rate.
--
--   RATE=5000 CONNECTIONS=64 wrk -c64 -s loadtest/bench/paced.lua URL
local rate = tonumber(os.getenv("RATE") or "")
local connections = tonumber(os.getenv("CONNECTIONS") or "")
assert(rate and rate > 0 and connections and connections > 0, "paced.lua needs RATE and CONNECTIONS")
local mean_ms = connections * 1000 / rate

function setup(thread)
  thread:set("seed", math.random(1, 2147483647))
end

function init(args)
  math.randomseed(seed or os.time())
end

function delay()
  return mean_ms * (0.5 + math.random())
end
