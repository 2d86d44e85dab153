-- benchgate's wrk reporter: run wrk with `-s scripts/wrk-report.lua` and pass the JSON to benchgate.
-- (From the project's load-test fixtures, where it produced fixtures/load/wrk/*_done.json.)
-- wrk done() reporter: emits one JSON object with latency percentiles,
-- request counts, errors and per-status counts.
-- Units: all latency values in MICROSECONDS (wrk's native unit);
-- duration_us in microseconds; requests_per_sec derived = requests / (duration_us/1e6).
-- If env WRK_JSON_OUT is set, JSON is written to that file; otherwise printed to stdout.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  status_counts = {}
end

function response(status, headers, body)
  local k = tostring(status)
  status_counts[k] = (status_counts[k] or 0) + 1
end

local function num(x)
  if x ~= x then return "null" end -- NaN
  return string.format("%.2f", x)
end

function done(summary, latency, requests)
  local statuses = {}
  for _, t in ipairs(threads) do
    local c = t:get("status_counts")
    if c then
      for k, v in pairs(c) do statuses[k] = (statuses[k] or 0) + v end
    end
  end
  local sparts = {}
  for k, v in pairs(statuses) do
    table.insert(sparts, string.format('"%s": %d', k, v))
  end
  table.sort(sparts)

  local pcts = {50, 75, 90, 95, 99, 99.9}
  local pparts = {}
  for _, p in ipairs(pcts) do
    table.insert(pparts, string.format('"p%s": %d', tostring(p), latency:percentile(p)))
  end

  local secs = summary.duration / 1e6
  local e = summary.errors
  local out = string.format([[{
  "tool": "wrk",
  "duration_us": %d,
  "requests": %d,
  "bytes": %d,
  "requests_per_sec": %s,
  "bytes_per_sec": %s,
  "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d},
  "error_rate": %s,
  "status_codes": {%s},
  "latency_us": {"min": %d, "max": %d, "mean": %s, "stdev": %s, %s},
  "thread_req_per_sec": {"min": %s, "max": %s, "mean": %s, "stdev": %s, "p50": %s, "p99": %s}
}
]],
    summary.duration, summary.requests, summary.bytes,
    num(summary.requests / secs), num(summary.bytes / secs),
    e.connect, e.read, e.write, e.status, e.timeout,
    string.format("%.6f", (summary.requests > 0) and ((e.connect + e.read + e.write + e.status + e.timeout) / summary.requests) or 0),
    table.concat(sparts, ", "),
    latency.min, latency.max, num(latency.mean), num(latency.stdev), table.concat(pparts, ", "),
    num(requests.min), num(requests.max), num(requests.mean), num(requests.stdev),
    num(requests:percentile(50)), num(requests:percentile(99)))

  local path = os.getenv("WRK_JSON_OUT")
  if path and path ~= "" then
    local f = assert(io.open(path, "w"))
    f:write(out)
    f:close()
  else
    io.write(out)
  end
end
