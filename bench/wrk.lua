-- wrk script: GET /api/data with a bearer token, rotating through the
-- tokens in $TOKENS (one a line; a one-line file = the cached path), and a
-- machine-readable summary line for scripts/loadbench.sh.
local tokens = {}
local path = os.getenv("TOKENS")
if path and path ~= "" then
  for line in io.lines(path) do
    if #line > 0 then tokens[#tokens + 1] = "Bearer " .. line end
  end
end
local n = #tokens
local i = 0

request = function()
  if n == 0 then
    return wrk.format("GET", "/api/data")
  end
  i = i + 1
  if i > n then i = 1 end
  return wrk.format("GET", "/api/data", { ["Authorization"] = tokens[i] })
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.0f %d %d\n",
    summary.requests / secs, latency:percentile(99), errors, summary.requests))
end
