-- wrk script: GET /api/data with a bearer token from $TOKENS (one a line),
-- and a machine-readable summary line for scripts/loadbench.sh.
--
-- wrk must not be the bottleneck, or every mode measures wrk. So a one-line
-- file (the cached path) sets a static header and defines no `request`:
-- wrk then builds the request once. A pool (the cold paths) is formatted
-- into raw requests up front, so `request` only hands out the next string.
local tokens = {}
local path = os.getenv("TOKENS")
if path and path ~= "" then
  for line in io.lines(path) do
    if #line > 0 then tokens[#tokens + 1] = "Bearer " .. line end
  end
end

if #tokens == 1 then
  wrk.headers["Authorization"] = tokens[1]
elseif #tokens > 1 then
  local requests = {}
  for i, value in ipairs(tokens) do
    requests[i] = wrk.format("GET", "/api/data", { ["Authorization"] = value })
  end
  local n = #requests
  local i = 0
  request = function()
    i = i + 1
    if i > n then i = 1 end
    return requests[i]
  end
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.0f %d %d\n",
    summary.requests / secs, latency:percentile(99), errors, summary.requests))
end
