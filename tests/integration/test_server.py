"""The HTTP server: health, metrics, access log, limits, malformed input, shutdown."""
import json
import os
import re
import signal
import socket
import time

import pytest
import requests


def raw_exchange(port, data, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        except socket.timeout:
            pass
        return b"".join(chunks)


def test_health(server):
    r = requests.get(server.endpoint + "/_rampart/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_metrics_count_requests_by_operation(server):
    server.client("sts").get_caller_identity()
    text = requests.get(server.endpoint + "/metrics").text
    assert 'rampart_requests_total{service="sts",operation="GetCallerIdentity",status="200"}' in text
    assert "rampart_request_duration_seconds_bucket" in text
    assert "rampart_open_connections" in text


def test_access_log_is_json_lines(make_server, tmp_path):
    log = tmp_path / "access.log"
    s = make_server("--access-log", str(log))
    s.client("sts").get_caller_identity()
    s.stop()
    lines = [json.loads(l) for l in log.read_text().splitlines()]
    entry = [l for l in lines if l["operation"] == "GetCallerIdentity"][0]
    assert entry["status"] == 200 and entry["service"] == "sts"
    assert entry["principal"].endswith(":root")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        entry["request_id"]), entry["request_id"]
    assert entry["latency_ms"] >= 0


def test_malformed_http_gets_400_not_a_crash(server):
    resp = raw_exchange(server.port, b"GARBAGE\x00\x01 / HTTP/9.9\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 400")
    assert requests.get(server.endpoint + "/_rampart/health").status_code == 200


def test_truncated_body_does_not_hang_server(make_server):
    s = make_server("--request-timeout", "1")
    start = time.time()
    resp = raw_exchange(s.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=",
                        timeout=5)
    assert time.time() - start < 4  # the server closed the connection after its timeout
    assert resp == b"" or resp.startswith(b"HTTP/1.1")
    assert requests.get(s.endpoint + "/_rampart/health").status_code == 200


def test_oversized_body_is_413(make_server):
    s = make_server("--max-body-bytes", "1024")
    r = requests.post(s.endpoint + "/", data="A" * 4096,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert "RequestEntityTooLarge" in r.text


def test_oversized_headers_are_431(server):
    r = requests.get(server.endpoint + "/_rampart/health", headers={"X-Big": "a" * 20000})
    assert r.status_code == 431


def test_slow_client_does_not_block_others(make_server):
    s = make_server("--request-timeout", "2", "--threads", "1")
    slow = socket.create_connection(("127.0.0.1", s.port))
    slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
    try:
        t0 = time.time()
        for _ in range(5):
            assert s.client("sts").get_caller_identity()["Arn"].endswith(":root")
        assert time.time() - t0 < 2
    finally:
        slow.close()


def test_max_connections(make_server):
    s = make_server("--max-connections", "2")
    held = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(2)]
    time.sleep(0.2)
    resp = raw_exchange(s.port, b"GET /_rampart/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 503")
    for h in held:
        h.close()
    time.sleep(0.2)
    assert requests.get(s.endpoint + "/_rampart/health").status_code == 200


def test_keep_alive_reuses_connection(server):
    sess = requests.Session()
    for _ in range(3):
        assert sess.get(server.endpoint + "/_rampart/health").status_code == 200
    assert len(sess.adapters["http://"].poolmanager.pools) == 1


def test_response_framing_http10_http11_and_head(server):
    # HTTP/1.0 without keep-alive: the server closes after one response, whose length is exact.
    raw = raw_exchange(server.port, b"GET /_rampart/health HTTP/1.0\r\nHost: x\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.0 200 OK"
    fields = {k.lower(): v.strip() for k, _, v in (l.partition(b":") for l in lines[1:])}
    assert int(fields[b"content-length"]) == len(body) and json.loads(body) == {"status": "ok"}
    assert fields[b"server"] == b"Rampart"
    # Two pipelined HTTP/1.1 requests on one connection, the second asking to close.
    raw = raw_exchange(server.port, b"GET /_rampart/health HTTP/1.1\r\nHost: x\r\n\r\n"
                       b"HEAD /_rampart/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    first, _, rest = raw.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" not in first
    n = int([l for l in first.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
    second = rest[n:]
    assert second.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in second
    # HEAD: the length of the body a GET gets, and no body.
    assert second.endswith(b"\r\n\r\n") and b"Content-Length: %d" % n in second


def test_bodies_around_the_read_buffer_keep_requests_apart(server):
    # The connection's read buffer starts at 4 KiB and grows to 64 KiB for a large body: bodies
    # below, at and above both sizes, pipelined on one connection, must each be read whole and
    # the request after each must parse (an unsigned POST answers 403, then health answers 200).
    sizes = [10, 4000, 4096, 5000, 65536, 70000, 200000]
    data = b""
    for n in sizes:
        body = b"Action=GetCallerIdentity&Version=2011-06-15&Pad=" + b"x" * n
        data += (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body)) + body
        data += b"GET /_rampart/health HTTP/1.1\r\nHost: x\r\n\r\n"
    data += b"GET /_rampart/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    raw = raw_exchange(server.port, data, timeout=10)
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)
    assert statuses == [b"403", b"200"] * len(sizes) + [b"200"]


def test_sigterm_drains_and_exits_zero(make_server):
    s = make_server()
    s.client("sts").get_caller_identity()
    assert s.stop(signal.SIGTERM) == 0
    assert "stopped" in s.proc.stderr.read()


def test_sigint_exits_zero(make_server):
    s = make_server()
    assert s.stop(signal.SIGINT) == 0
