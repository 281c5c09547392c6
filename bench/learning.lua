-- wrk script for the learning benchmarks (`./dev bench learning`, docs/benchmarks.md).
--
--   wrk -t2 -c10000 -d30s --timeout 10s -s bench/learning.lua <url> -- <mode> <tokens file> [think ms] [body file]
--
-- Every request carries the bearer token of a different learner (round-robin over the
-- tokens file, one access token per line), so the server sees many learners, not one.
--   daily  GET /api/v1/lessons/daily, then a think time uniform in [0, 2 x think] ms
--          before the connection's next request (also before its first, so 10 000
--          connections start spread out, as learners opening the app do).
--   quiz   POST /api/v1/steps/<step>/quiz {"answers": {"value": true}} over the starter
--          pack's true/false steps: each (learner, step) pair once, so every answer is
--          graded and recorded, not replayed.
--   code   POST /api/v1/exercises/values-and-variables.ex1/submit with the body file's
--          JSON, each learner once.
--   feed   GET /api/v1/feeds/personalized?limit=20&offset=<0, 20 or 40> (`./dev bench social`).
--   search GET /api/v1/courses?search=<one of 12 subjects>&limit=20 (`./dev bench social`).

local mode, tokens, think, body = "daily", {}, 0, nil
local counter = 0
local subjects = {
  "python", "sql", "design", "math", "web", "rust", "learning", "statistics", "ux", "go",
  "java", "cloud",
}
local quiz_steps = {
  "values-and-variables.q2", "strings.q3", "numbers-and-arithmetic.q3",
  "conditionals.q2", "loops.q3", "functions.q2",
}

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "daily"
  for line in io.lines(args[2]) do
    if #line > 0 then table.insert(tokens, line) end
  end
  think = tonumber(args[3] or "0")
  if args[4] then
    local f = assert(io.open(args[4], "r"))
    body = f:read("*a")
    f:close()
  end
  -- Threads start at different learners.
  counter = (id or 0) * 7919
  math.randomseed(os.time() + (id or 0))
end

function delay()
  if mode == "daily" and think > 0 then
    return math.random(0, 2 * think)
  end
  return 0
end

function request()
  counter = counter + 1
  local n = #tokens
  local headers = {}
  if mode == "daily" then
    headers["authorization"] = "Bearer " .. tokens[(counter % n) + 1]
    return wrk.format("GET", "/api/v1/lessons/daily", headers)
  end
  if mode == "feed" then
    headers["authorization"] = "Bearer " .. tokens[(counter % n) + 1]
    local offset = (math.floor(counter / n) % 3) * 20
    return wrk.format("GET", "/api/v1/feeds/personalized?limit=20&offset=" .. offset, headers)
  end
  if mode == "search" then
    headers["authorization"] = "Bearer " .. tokens[(counter % n) + 1]
    local word = subjects[(counter % #subjects) + 1]
    return wrk.format("GET", "/api/v1/courses?search=" .. word .. "&limit=20", headers)
  end
  headers["content-type"] = "application/json"
  if mode == "quiz" then
    local learner = (counter % n) + 1
    local step = quiz_steps[(math.floor(counter / n) % #quiz_steps) + 1]
    headers["authorization"] = "Bearer " .. tokens[learner]
    return wrk.format("POST", "/api/v1/steps/" .. step .. "/quiz", headers,
      '{"answers":{"value":true}}')
  end
  headers["authorization"] = "Bearer " .. tokens[(counter % n) + 1]
  return wrk.format("POST", "/api/v1/exercises/values-and-variables.ex1/submit", headers, body)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    "  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  requests %d  %.0f req/s  non-2xx %d  socket errors %d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, summary.requests / (summary.duration / 1e6),
    summary.errors.status, errors))
end
