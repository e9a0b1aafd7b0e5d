"""Operating Rampart safely: one owner per data directory, no fresh install over lost state,
honest health, the port file, signals, version."""
import gzip
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import BIN, Server


def run(*args, timeout=15, env=None):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout,
                          env=env)


def serve_once(data_dir, *args, timeout=15):
    """Starts `rampart serve` expecting it to fail; returns (exit code, stderr)."""
    p = run("serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, *args, timeout=timeout)
    return p.returncode, p.stderr


def lookup_count(server):
    ct = server.client("cloudtrail")
    n, token = 0, None
    while True:
        kw = {"MaxResults": 50, "LookupAttributes": [
            {"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}]}
        if token:
            kw["NextToken"] = token
        page = ct.lookup_events(**kw)
        n += len(page["Events"])
        token = page.get("NextToken")
        if not token:
            return n


def test_second_server_on_a_data_dir_is_refused_and_the_first_keeps_its_records(make_server):
    a = make_server()
    sts = a.client("sts")
    for _ in range(20):
        sts.get_caller_identity()
    log = os.path.join(a.data_dir, "events", "events.log")
    size_before = os.path.getsize(log)

    # Same port (the clash the report saw) and another port: both refused, nothing touched.
    for listen in (f"127.0.0.1:{a.port}", "127.0.0.1:0"):
        p = run("serve", "--listen", listen, "--data-dir", a.data_dir)
        assert p.returncode != 0
        if listen.endswith(":0"):
            assert f"in use by another rampart (pid {a.proc.pid})" in p.stderr, p.stderr
        else:
            assert "Address already in use" in p.stderr, p.stderr
    assert os.path.getsize(log) >= size_before

    # The first server still records, and after a restart every acknowledged call is there.
    for _ in range(5):
        sts.get_caller_identity()
    assert a.stop() == 0
    b = Server(data_dir=a.data_dir).start()
    try:
        assert lookup_count(b) >= 25
    finally:
        b.stop()


def test_a_port_clash_leaves_nothing_behind(make_server, tmp_path):
    a = make_server()
    fresh = tmp_path / "never-created"
    p = run("serve", "--listen", f"127.0.0.1:{a.port}", "--data-dir", str(fresh))
    assert p.returncode != 0 and "Address already in use" in p.stderr
    assert not fresh.exists()  # no account, no credentials, no files


def test_lost_database_next_to_state_is_refused_not_reinstalled(make_server):
    a = make_server()
    a.client("sts").get_caller_identity()
    a.stop()
    creds = open(os.path.join(a.data_dir, "root-credentials")).read()
    for name in ("rampart.db", "rampart.db-wal", "rampart.db-shm"):
        path = os.path.join(a.data_dir, name)
        if os.path.exists(path):
            os.unlink(path)
    code, err = serve_once(a.data_dir)
    assert code != 0
    assert "rampart.db is missing" in err and "Restore rampart.db" in err, err
    assert open(os.path.join(a.data_dir, "root-credentials")).read() == creds
    assert not os.path.exists(os.path.join(a.data_dir, "rampart.db"))
    open(os.path.join(a.data_dir, "rampart.db"), "w").close()  # a 0-byte database
    code, err = serve_once(a.data_dir)
    assert code != 0 and "rampart.db is empty" in err, err
    assert open(os.path.join(a.data_dir, "root-credentials")).read() == creds


def test_lost_root_key_is_an_error_not_a_new_key(make_server):
    a = make_server()
    a.stop()
    os.unlink(os.path.join(a.data_dir, "root.key"))
    code, err = serve_once(a.data_dir)
    assert code != 0 and "root.key is missing" in err, err
    assert not os.path.exists(os.path.join(a.data_dir, "root.key"))


def test_root_key_file_readable_by_others_is_refused(tmp_path):
    key = tmp_path / "root.key"
    key.write_text(os.urandom(32).hex() + "\n")
    os.chmod(key, 0o644)
    code, err = serve_once(str(tmp_path / "data"), "--root-key-file", str(key))
    assert code != 0
    assert "has mode 0644" in err and f"chmod 600 {key}" in err, err


# Rampart's root-key rule (docs/SECURITY.md, src/store/root_key.cc ReadFile): a root key file
# owned by another user (who could replace it) is refused, even with mode 0600.
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown the key to another user")
def test_root_key_file_owned_by_another_user_is_refused(tmp_path):
    key = tmp_path / "root.key"
    key.write_text(os.urandom(32).hex() + "\n")
    os.chmod(key, 0o600)
    os.chown(key, 65534, os.getgid())
    code, err = serve_once(str(tmp_path / "data"), "--root-key-file", str(key))
    assert code != 0
    assert (f"root key file {key} is owned by uid 65534, not by this server's user "
            f"(uid {os.geteuid()}); chown it to the server's user") in err, err
    # Owned by the server's user, the same file is accepted.
    os.chown(key, os.geteuid(), os.getgid())
    s = Server("--root-key-file", str(key), data_dir=str(tmp_path / "data")).start()
    try:
        assert s.client("sts").get_caller_identity()["Account"]
    finally:
        s.cleanup()


def test_new_data_dir_is_private_and_credentials_are_0600(make_server, tmp_path):
    d = tmp_path / "sub" / "data"
    s = make_server(data_dir=str(d))
    assert os.stat(d).st_mode & 0o777 == 0o700
    assert os.stat(d / "root-credentials").st_mode & 0o777 == 0o600
    assert os.stat(d / "root.key").st_mode & 0o777 == 0o600
    assert open(d / "rampart.lock").read().strip() == str(s.proc.pid)


def test_quiet_credentials_keeps_the_secret_off_stderr(make_server):
    s = make_server("--quiet-credentials")
    key, secret = s.credentials()
    text = "".join(s.stderr_lines)
    assert secret not in text and "new root credentials" in text


def test_health_fails_with_the_reason_when_the_event_log_is_cut(make_server):
    s = make_server()
    sts = s.client("sts")
    sts.get_caller_identity()
    assert requests.get(s.endpoint + "/_rampart/health").json() == {"status": "ok"}
    assert requests.get(s.endpoint + "/_rampart/ready").status_code == 200
    os.truncate(os.path.join(s.data_dir, "events", "events.log"), 0)
    # The next call cannot be recorded: 503, never a SIGBUS and never an unrecorded 200.
    r = requests.post(s.endpoint + "/", data="Action=GetCallerIdentity&Version=2011-06-15")
    assert r.status_code in (403, 503)  # unsigned: refused either way
    with pytest.raises(Exception) as e:
        sts.get_caller_identity()
    assert "ServiceUnavailable" in str(e.value) or "503" in str(e.value)
    h = requests.get(s.endpoint + "/_rampart/health")
    assert h.status_code == 503
    assert h.json()["status"] == "failing" and "another process" in h.json()["reason"]
    assert s.proc.poll() is None  # still running


def test_health_deep_check_finds_a_corrupt_database_page(make_server):
    s = make_server()
    iam = s.client("iam")
    for i in range(200):
        iam.create_user(UserName=f"user-{i:04d}", Path="/" + "p" * 40 + "/")
    assert requests.get(s.endpoint + "/_rampart/health?deep=1").status_code == 200
    s.stop()
    db = os.path.join(s.data_dir, "rampart.db")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'entities'").fetchone()[0]
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    # Scribble over an interior page of the entities table (not page 1, which SQLite reads at open).
    with open(db, "r+b") as f:
        victim = max(root + 1, pages - 2)
        f.seek((victim - 1) * page_size + 8)
        f.write(b"\xff" * 64)
    s2 = Server(data_dir=s.data_dir).start()
    try:
        h = requests.get(s2.endpoint + "/_rampart/health?deep=1")
        assert h.status_code == 503, h.text
        assert "database" in h.json()["reason"]
        # Once seen, damage stays reported by the plain health check too.
        assert requests.get(s2.endpoint + "/_rampart/health").status_code == 503
    finally:
        s2.stop()


def test_port_file_names_the_bound_port(tmp_path):
    port_file = tmp_path / "port"
    s = Server("--port-file", str(port_file)).start()
    try:
        assert int(port_file.read_text()) == s.port
        assert requests.get(f"http://127.0.0.1:{s.port}/_rampart/health").status_code == 200
    finally:
        s.cleanup()
    assert not port_file.exists()


def test_version_flag_and_subcommand():
    p = run("--version")
    assert p.returncode == 0 and re.match(r"rampart \d+\.\d+\.\d+", p.stdout), p.stdout + p.stderr
    p = run("version")
    assert p.returncode == 0
    assert re.match(r"rampart \d+\.\d+\.\d+ \(commit [0-9a-f]{7,}|unknown", p.stdout), p.stdout
    assert "build)" in p.stdout


def test_sighup_reopens_the_access_log(make_server, tmp_path):
    log = tmp_path / "access.log"
    s = make_server("--access-log", str(log))
    sts = s.client("sts")
    sts.get_caller_identity()
    os.rename(log, tmp_path / "access.log.1")  # what logrotate does
    s.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 5
    while not log.exists() and time.time() < deadline:
        time.sleep(0.05)
    sts.get_caller_identity()
    assert s.proc.poll() is None
    raw = log.read_text()
    lines = [json.loads(l) for l in raw.splitlines()]
    assert any(l["operation"] == "GetCallerIdentity" for l in lines)
    assert (tmp_path / "access.log.1").read_text().count("GetCallerIdentity") == 1
    # Latency as a plain decimal, never 4.96E-1.
    latencies = re.findall(r'"latency_ms":([^,}]*)[,}]', raw)
    assert latencies and all(re.fullmatch(r"\d+\.\d{3}", v) for v in latencies), latencies


def _trail_files(data_dir, bucket):
    root = os.path.join(data_dir, "trails", bucket)
    found = []
    for dirpath, _, files in os.walk(root):
        found += [os.path.join(dirpath, f) for f in files if f.endswith(".json.gz")
                  and "/CloudTrail/" in dirpath]
    return found


def test_trail_deliver_command_delivers_now(make_server):
    s = make_server("--trail-delivery-seconds", "3600")
    ct = s.client("cloudtrail")
    ct.create_trail(Name="trail1", S3BucketName="audit")
    ct.start_logging(Name="trail1")
    s.client("sts").get_caller_identity()
    time.sleep(1.5)
    assert _trail_files(s.data_dir, "audit") == []
    p = run("trail", "deliver", "--data-dir", s.data_dir)
    assert p.returncode == 0 and f"pid {s.proc.pid}" in p.stdout, p.stdout + p.stderr
    deadline = time.time() + 10
    while not _trail_files(s.data_dir, "audit") and time.time() < deadline:
        time.sleep(0.1)
    files = _trail_files(s.data_dir, "audit")
    assert files
    records = [r for f in files for r in json.loads(gzip.open(f).read())["Records"]]
    assert any(r["eventName"] == "GetCallerIdentity" for r in records)


def test_trail_deliver_without_a_server_says_so(tmp_path):
    p = run("trail", "deliver", "--data-dir", str(tmp_path))
    assert p.returncode == 2 and "no rampart server" in p.stderr


def test_dev_endpoint_delivers_trails(make_server):
    s = make_server("--trail-delivery-seconds", "3600", dev=True)
    ct = s.client("cloudtrail")
    ct.create_trail(Name="trail1", S3BucketName="audit")
    ct.start_logging(Name="trail1")
    s.client("sts").get_caller_identity()
    r = requests.post(s.endpoint + "/_rampart/trails/deliver")
    assert r.status_code == 200
    assert _trail_files(s.data_dir, "audit")


def test_a_shorter_delivery_interval_takes_effect_after_a_restart(make_server):
    s = make_server("--trail-delivery-seconds", "3600")
    ct = s.client("cloudtrail")
    ct.create_trail(Name="trail1", S3BucketName="audit")
    ct.start_logging(Name="trail1")
    time.sleep(1.5)  # the first pass schedules the next delivery an hour away
    s.stop()
    s2 = Server("--trail-delivery-seconds", "1", data_dir=s.data_dir).start()
    try:
        s2.client("sts").get_caller_identity()
        deadline = time.time() + 10
        while not _trail_files(s.data_dir, "audit") and time.time() < deadline:
            time.sleep(0.2)
        assert _trail_files(s.data_dir, "audit")
    finally:
        s2.stop()


def _record_frames(data):
    import struct
    out, pos = [], 0
    while pos + 8 <= len(data):
        (word,) = struct.unpack_from("<I", data, pos)
        if word == 0:
            break
        if word >> 28 == 1:
            out.append(pos)
        pos += 8 + (word & ((1 << 28) - 1))
    return out


def _damage_tenth_record(data_dir):
    """Flips a bit inside the 10th record frame of a stopped server's event log."""
    log = os.path.join(data_dir, "events", "events.log")
    data = bytearray(open(log, "rb").read())
    frames = _record_frames(data)
    assert len(frames) >= 40
    data[frames[9] + 12] ^= 0x40
    open(log, "wb").write(bytes(data))


def test_a_damaged_record_in_the_middle_costs_one_record_and_is_reported(make_server):
    s = make_server()
    sts = s.client("sts")
    for _ in range(40):
        sts.get_caller_identity()
    assert s.stop() == 0
    _damage_tenth_record(s.data_dir)

    s2 = Server(data_dir=s.data_dir).start()
    try:
        time.sleep(0.2)
        assert lookup_count(s2) == 39
        ct = s2.client("cloudtrail")
        gaps = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                   "AttributeValue": "EventHistoryGap"}])["Events"]
        assert len(gaps) == 1
        rec = json.loads(gaps[0]["CloudTrailEvent"])
        assert rec["errorCode"] == "RecordsLost"
        assert rec["additionalEventData"]["lostRecords"] == 1
        assert os.path.exists(rec["additionalEventData"]["quarantinedTo"])
        metrics = requests.get(s2.endpoint + "/metrics").text
        assert "rampart_event_log_damaged_spans_total 1" in metrics
        assert "rampart_event_log_lost_records_total 1" in metrics
    finally:
        s2.stop()
    # Reported once: the next start finds an accounted-for gap.
    s3 = Server(data_dir=s.data_dir).start()
    try:
        ct = s3.client("cloudtrail")
        gaps = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                   "AttributeValue": "EventHistoryGap"}])["Events"]
        assert len(gaps) == 1
        assert "rampart_event_log_damaged_spans_total 0" in requests.get(s3.endpoint + "/metrics").text
    finally:
        s3.stop()


def test_an_event_history_gap_reaches_the_trail_files_and_they_still_validate(make_server):
    # Rule (docs/OPERATIONS.md): the EventHistoryGap event that LookupEvents shows, trails show.
    opts = ("--trail-delivery-seconds", "3600", "--trail-digest-seconds", "2")  # forced delivery
    s = make_server(*opts)
    arn = s.client("cloudtrail").create_trail(
        Name="trail1", S3BucketName="audit", EnableLogFileValidation=True)["TrailARN"]
    s.client("cloudtrail").start_logging(Name="trail1")
    sts = s.client("sts")
    for _ in range(40):
        sts.get_caller_identity()
    assert s.stop() == 0
    _damage_tenth_record(s.data_dir)

    s2 = Server(*opts, data_dir=s.data_dir).start()
    try:
        gaps = s2.client("cloudtrail").lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "EventHistoryGap"}])["Events"]
        assert len(gaps) == 1
        p = run("trail", "deliver", "--data-dir", s.data_dir)
        assert p.returncode == 0, p.stdout + p.stderr

        def gap_files():
            return [f for f in _trail_files(s.data_dir, "audit")
                    if any(r["eventName"] == "EventHistoryGap"
                           for r in json.loads(gzip.open(f).read())["Records"])]

        def digested(name):
            root = os.path.join(s.data_dir, "trails", "audit")
            for dirpath, _, names in os.walk(root):
                for n in names:
                    if "/CloudTrail-Digest/" in dirpath and n.endswith(".json.gz"):
                        listed = json.loads(gzip.open(os.path.join(dirpath, n)).read())["logFiles"]
                        if any(lf["s3Object"] == os.path.relpath(name, root) for lf in listed):
                            return True
            return False

        deadline = time.time() + 20
        while not (gap_files() and digested(gap_files()[0])) and time.time() < deadline:
            time.sleep(0.3)
        files = gap_files()
        assert len(files) == 1 and digested(files[0])
        delivered = [r for r in json.loads(gzip.open(files[0]).read())["Records"]
                     if r["eventName"] == "EventHistoryGap"]
        assert [r["eventID"] for r in delivered] == [gaps[0]["EventId"]]
        assert delivered[0]["errorCode"] == "RecordsLost"
        assert delivered[0]["additionalEventData"]["lostRecords"] == 1
        gap_key = os.path.relpath(files[0], os.path.join(s.data_dir, "trails", "audit"))
    finally:
        s2.stop()
    assert s2.proc.returncode == 0
    v = run("trail", "validate", "--trail-arn", arn, "--data-dir", s.data_dir, "--verbose",
            timeout=60)
    assert v.returncode == 0, v.stdout + v.stderr
    assert "INVALID" not in v.stdout + v.stderr
    assert f"Log file\ts3://audit/{gap_key}\tvalid" in v.stdout, v.stdout


def test_audit_sync_modes(make_server, tmp_path):
    code, err = serve_once(str(tmp_path / "d"), "--audit-sync", "sometimes")
    assert code != 0 and "--audit-sync must be none, interval or always" in err
    for mode in ("none", "interval", "always"):
        s = make_server("--audit-sync", mode)
        sts = s.client("sts")
        for _ in range(5):
            sts.get_caller_identity()
        assert lookup_count(s) == 5
        assert s.stop() == 0
