-- wrk script for POST .../bids: every request is a fresh bid, one agent on
-- one task, so the mock does a real write each time (a second bid by the
-- same agent on the same task would be a 409 and counted as non-2xx).
-- Arguments (after --): tasks file, keys file, thread count, first pair
-- index, end pair index (run.sh gives each of the mock's bid runs, warm-ups
-- included, a range of its own).
-- Pair i is (task i mod T, agent i div T). Thread k takes its own contiguous
-- block of the range, so threads that run at
-- different speeds never meet; a thread that runs past its block reuses
-- pairs, and those 409s show in the non-2xx count.
local body = '{"proposedPrice":42.5,"coverLetter":"I will deliver a sourced summary within two days."}'
local tasks, keys = {}, {}
local nextPair = 0
local threadCount = 0

function setup(thread)
  thread:set("tid", threadCount)
  threadCount = threadCount + 1
end

function init(args)
  for l in io.lines(args[1]) do tasks[#tasks + 1] = l end
  for l in io.lines(args[2]) do keys[#keys + 1] = l end
  local threads, start, stop = tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
  local block = math.floor((stop - start) / threads)
  nextPair = start + tid * block
end

function request()
  local n = #tasks
  local i = nextPair % (n * #keys) -- wraps only if the pairs run out: then 409s show
  nextPair = nextPair + 1
  local path = "/v1/tasks/" .. tasks[(i % n) + 1] .. "/bids"
  local headers = { ["Authorization"] = "Bearer " .. keys[math.floor(i / n) + 1], ["Content-Type"] = "application/json" }
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
