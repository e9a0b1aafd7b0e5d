"""HTTP/1.1 as RFC 9110/9112 say: what they refuse is refused (never a 200), promptly (never a
hang), and the server keeps serving."""
import socket
import time

import pytest
import requests


def exchange(server, data, timeout=5):
    """Sends raw bytes; returns (status line, elapsed seconds)."""
    start = time.time()
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
        except socket.timeout:
            pass
    text = b"".join(chunks).decode(errors="replace")
    return text.split("\r\n", 1)[0], time.time() - start


def host(server):
    return f"Host: 127.0.0.1:{server.port}\r\n".encode()


HEALTH = b"GET /_rampart/health HTTP/1.1\r\n"


@pytest.mark.parametrize("name,request_bytes,want", [
    ("no Host", HEALTH + b"\r\n", "400"),
    ("two Hosts", HEALTH + b"Host: a\r\nHost: b\r\n\r\n", "400"),
    ("garbage Host", HEALTH + b"Host: a b@c/d\r\n\r\n", "400"),
    ("obsolete line folding", HEALTH + b"HOSTLINE" + b"X-A: one\r\n two\r\n\r\n", "400"),
    ("unknown Expect", HEALTH + b"HOSTLINE" + b"Expect: teapot\r\n\r\n", "417"),
    ("lower-case method", b"get /_rampart/health HTTP/1.1\r\nHOSTLINE\r\n", "501"),
    ("unknown method", b"BREW /_rampart/health HTTP/1.1\r\nHOSTLINE\r\n", "501"),
    ("TRACE", b"TRACE / HTTP/1.1\r\nHOSTLINE\r\n", "405"),
    ("gzip transfer coding", b"POST / HTTP/1.1\r\nHOSTLINE" +
     b"Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "501"),
])
def test_refused_as_the_rfcs_say(server, name, request_bytes, want):
    data = request_bytes.replace(b"HOSTLINE", host(server))
    status, _ = exchange(server, data)
    assert status.startswith("HTTP/1.1 " + want), (name, status)
    assert requests.get(server.endpoint + "/_rampart/health").status_code == 200


def test_trace_never_echoes(server):
    data = b"TRACE / HTTP/1.1\r\n" + host(server) + b"X-Secret: s3cr3t\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(data)
        s.settimeout(2)
        got = b""
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                got += b
        except socket.timeout:
            pass
    assert b"s3cr3t" not in got


def test_a_huge_chunk_extension_is_refused(server):
    data = (b"POST / HTTP/1.1\r\n" + host(server) + b"Transfer-Encoding: chunked\r\n\r\n" +
            b"5;" + b"x" * 100_000 + b"\r\nhello\r\n0\r\n\r\n")
    status, _ = exchange(server, data)
    assert status.startswith("HTTP/1.1 400") or status.startswith("HTTP/1.1 413"), status


def test_a_chunk_line_ended_by_a_bare_lf_is_refused_at_once(server):
    data = (b"POST / HTTP/1.1\r\n" + host(server) + b"Transfer-Encoding: chunked\r\n\r\n" +
            b"5\nhello\r\n0\r\n\r\n")
    status, elapsed = exchange(server, data, timeout=10)
    assert status.startswith("HTTP/1.1 400"), status
    assert elapsed < 2, elapsed


def test_http10_without_host_is_fine(server):
    status, _ = exchange(server, b"GET /_rampart/health HTTP/1.0\r\n\r\n")
    assert status.startswith("HTTP/1.1 200") or status.startswith("HTTP/1.0 200"), status
