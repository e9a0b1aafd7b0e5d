"""Accounts, root credentials and persistence across restarts and kill -9."""
import os
import signal
import stat

from conftest import Server


def test_root_credentials_file_is_private_and_credentials_format(server):
    path = os.path.join(server.data_dir, "root-credentials")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = open(path).read()
    assert "[default]" in text and "aws_access_key_id = AKIA" in text
    key, secret = server.credentials()
    assert len(key) == 20 and len(secret) == 40
    assert stat.S_IMODE(os.stat(os.path.join(server.data_dir, "root.key")).st_mode) == 0o600


def test_credentials_printed_once(tmp_path):
    a = Server(data_dir=str(tmp_path)).start()
    first = "".join(a.stderr_lines)
    key, _ = a.credentials()
    a.cleanup()
    b = Server(data_dir=str(tmp_path)).start()
    second = "".join(b.stderr_lines)
    b.cleanup()
    assert key in first
    assert key not in second


def test_account_and_keys_survive_kill_9(tmp_path):
    a = Server("--account-id", "111122223333", data_dir=str(tmp_path)).start()
    key, secret = a.credentials()
    assert a.client("sts").get_caller_identity()["Account"] == "111122223333"
    a.stop(signal.SIGKILL)
    a.cleanup()
    b = Server(data_dir=str(tmp_path)).start()
    try:
        ident = b.client("sts", key=key, secret=secret).get_caller_identity()
        assert ident["Account"] == "111122223333"
    finally:
        b.cleanup()


def test_secret_is_encrypted_at_rest(server):
    _, secret = server.credentials()
    for name in os.listdir(server.data_dir):
        if name.startswith("rampart.db"):
            data = open(os.path.join(server.data_dir, name), "rb").read()
            assert secret.encode() not in data


def test_fixed_root_credentials_from_environment(make_server):
    env = {"RAMPART_ROOT_ACCESS_KEY_ID": "AKIAFIXEDFORCI000001",
           "RAMPART_ROOT_SECRET_ACCESS_KEY": "fixedsecretfixedsecretfixedsecret1234567",
           "RAMPART_ACCOUNT_ID": "444455556666"}
    s = make_server(env=env)
    ident = s.client("sts", key=env["RAMPART_ROOT_ACCESS_KEY_ID"],
                     secret=env["RAMPART_ROOT_SECRET_ACCESS_KEY"]).get_caller_identity()
    assert ident["Arn"] == "arn:aws:iam::444455556666:root"


def test_listen_from_environment(tmp_path):
    import subprocess
    import time
    import re
    from conftest import BIN
    env = dict(os.environ, RAMPART_LISTEN="127.0.0.1:0", RAMPART_DATA_DIR=str(tmp_path))
    p = subprocess.Popen([BIN, "serve"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        deadline = time.time() + 10
        while "listening" not in line and time.time() < deadline:
            line = p.stderr.readline()
        assert re.search(r"listening on http://127.0.0.1:\d+", line)
        assert os.path.exists(tmp_path / "root-credentials")
    finally:
        p.terminate()
        p.wait()
        p.stderr.close()


def test_mismatched_account_id_refuses_to_start(tmp_path):
    a = Server("--account-id", "111122223333", data_dir=str(tmp_path)).start()
    a.cleanup()
    b = Server("--account-id", "999988887777", data_dir=str(tmp_path))
    try:
        b.start()
        assert False, "should not start"
    except RuntimeError as e:
        assert "111122223333" in str(e)
    finally:
        b.cleanup()
