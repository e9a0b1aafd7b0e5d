"""Pieces of the wrk Lua scripts the signing helpers write (sign_gci.py, kms/sign_kms.py)."""

# wrk's done() hook: one machine-readable RESULT line (latencies in microseconds) that the load
# scripts parse.
DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d "
    .. "non2xx=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d bytes=%d\\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout, summary.bytes))
end
"""


def lua_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
