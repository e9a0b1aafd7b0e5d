#!/usr/bin/env python3
"""Start-to-first-answer time of `rampart serve`.

usage: startup_probe.py RAMPART_BIN WORKDIR MODE RUNS
  MODE fresh:    a new, empty data dir every run (bootstrap: root key, SQLite schema, account,
                 root credentials)
  MODE existing: one data dir bootstrapped beforehand and reused by every run
  MODE dev:      --dev (in-memory state, no data dir)

Per run: the clock starts just before fork/exec and stops when a GET /_rampart/health answers
200 (the port is polled with a fresh connection every 0.2 ms). The server then gets SIGTERM and
must exit 0; its stop time is recorded too. Prints one line per run and a final
`RESULT mode=... median_ms=... min_ms=... max_ms=... stop_median_ms=...` line."""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def health_ok(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /_rampart/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def one_run(binary: str, data_dir: str | None, dev: bool) -> tuple[float, float]:
    port = free_port()
    args = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--access-log", "off"]
    args += ["--dev"] if dev else ["--data-dir", data_dir]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = t0 + 10
    while not health_ok(port):
        if proc.poll() is not None:
            raise SystemExit(f"rampart exited {proc.returncode}: {proc.stderr.read().decode()}")
        if time.perf_counter() > deadline:
            proc.kill()
            raise SystemExit("rampart did not answer /_rampart/health within 10 s")
        time.sleep(0.0002)
    t1 = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=10)
    t2 = time.perf_counter()
    proc.stderr.close()
    if rc != 0:
        raise SystemExit(f"rampart exited {rc} on SIGTERM")
    return (t1 - t0) * 1000, (t2 - t1) * 1000


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    binary, work, mode, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    existing = os.path.join(work, "existing")
    if mode == "existing":
        shutil.rmtree(existing, ignore_errors=True)
        one_run(binary, existing, False)  # bootstrap once, not timed
    starts, stops = [], []
    for i in range(runs):
        if mode == "fresh":
            d = os.path.join(work, f"fresh-{i}")
            shutil.rmtree(d, ignore_errors=True)
        else:
            d = existing
        start, stop = one_run(binary, d, mode == "dev")
        starts.append(start)
        stops.append(stop)
        print(f"  {mode:8} run {i + 1}: first 200 after {start:7.2f} ms, SIGTERM→exit {stop:6.2f} ms",
              file=sys.stderr)
        if mode == "fresh":
            shutil.rmtree(d, ignore_errors=True)
    print(f"RESULT mode={mode} median_ms={statistics.median(starts):.2f} min_ms={min(starts):.2f} "
          f"max_ms={max(starts):.2f} stop_median_ms={statistics.median(stops):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
