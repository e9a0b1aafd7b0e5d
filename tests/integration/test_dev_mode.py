"""--dev mode: moto-compatible control endpoints."""
import os
import subprocess
import time

import botocore.exceptions
import pytest
import requests


def test_dev_accepts_any_key_as_default_root(make_server):
    s = make_server(dev=True)
    ident = s.client("sts", key="testing", secret="testing").get_caller_identity()
    assert ident["Arn"] == "arn:aws:iam::123456789012:root"


def test_reset_auth_enforces_after_n_requests(make_server):
    s = make_server(dev=True)
    r = requests.post(s.endpoint + "/moto-api/reset-auth", data="1")
    assert r.status_code == 200
    c = s.client("sts", key="testing", secret="testing")
    c.get_caller_identity()  # the one request still allowed
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    # The real root key still works once enforcement is on.
    assert s.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_reset_wipes_state_and_keeps_serving(make_server):
    s = make_server(dev=True)
    assert requests.post(s.endpoint + "/moto-api/reset").status_code == 200
    assert requests.post(s.endpoint + "/_rampart/reset").status_code == 200
    assert s.client("sts", key="a", secret="b").get_caller_identity()["Account"] == "123456789012"


def test_reset_returns_enforcement_to_where_dev_started(make_server):
    # Issue 13: suites switch enforcement on (reset-auth) and rely on reset to switch it off.
    s = make_server(dev=True)
    assert requests.post(s.endpoint + "/moto-api/reset-auth", data="0").status_code == 200
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s.client("sts", key="testing", secret="testing").get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert requests.post(s.endpoint + "/moto-api/reset").status_code == 200
    ident = s.client("sts", key="testing", secret="testing").get_caller_identity()
    assert ident["Arn"] == "arn:aws:iam::123456789012:root"
    # And reset-auth reports the restored limit as moto does.
    r = requests.post(s.endpoint + "/moto-api/reset-auth", data="5")
    assert r.json()["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"] == "inf"


def test_key_last_used_is_recorded_before_enforcement(make_server):
    s = make_server(dev=True)
    iam = s.client("iam")
    iam.create_user(UserName="early")
    key = iam.create_access_key(UserName="early")["AccessKey"]
    before = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert "LastUsedDate" not in before
    s.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"]).get_caller_identity()
    # Uses are written in the background every few seconds.
    deadline = time.time() + 10
    used = {}
    while time.time() < deadline:
        used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        if "LastUsedDate" in used:
            break
        time.sleep(0.5)
    assert used["ServiceName"] == "sts"
    assert used["Region"] == "us-east-1"
    assert "LastUsedDate" in used


def test_control_endpoints_absent_without_dev(server):
    assert requests.post(server.endpoint + "/moto-api/reset").status_code == 404
    assert requests.post(server.endpoint + "/moto-api/reset-auth", data="0").status_code == 404


# Rampart's control surface (docs/SECURITY.md "Control surface"; no AWS counterpart): outside
# --dev the reset and trail-delivery control endpoints answer 404 and do nothing.
def test_reset_and_deliver_endpoints_are_404_without_dev(server):
    iam = server.client("iam")
    iam.create_user(UserName="survives-reset")
    for path in ("/_rampart/reset", "/_rampart/trails/deliver", "/moto-api/reset"):
        r = requests.post(server.endpoint + path)
        assert r.status_code == 404, (path, r.status_code, r.text)
        assert r.json()["message"] == "control endpoints exist only in --dev mode"
    # Any method, any path under the control prefixes (docs/SECURITY.md): 404, never an AWS call.
    for method, path in (("GET", "/moto-api/reset"), ("PUT", "/_rampart/reset"),
                         ("GET", "/moto-api/data.json"), ("DELETE", "/_rampart/anything")):
        r = requests.request(method, server.endpoint + path)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
    # Nothing was reset: the user and the root's credentials are still there.
    assert iam.get_user(UserName="survives-reset")["User"]["UserName"] == "survives-reset"


def test_reset_auth_speaks_moto_5_2s_protocol(make_server):
    s = make_server(dev=True)
    r = requests.post(s.endpoint + "/moto-api/reset-auth", data="3")
    assert r.json() == {"status": "ok", "PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT": "inf"}
    r = requests.post(s.endpoint + "/moto-api/reset-auth", data="inf")
    assert r.json()["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"] == "3.0"
    r = requests.post(s.endpoint + "/moto-api/reset-auth", data="2.0")
    assert r.json()["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"] == "inf"
    assert requests.post(s.endpoint + "/moto-api/reset-auth", data="x").status_code == 400


PYENV_PYTHON = os.path.expanduser("~/.pyenv/versions/3.11.7/bin/python3")

MOTO_SCRIPT = r'''
import os, sys
import boto3, botocore.exceptions
from moto.core import set_initial_no_auth_action_count

endpoint = os.environ["TEST_SERVER_MODE_ENDPOINT"]

@set_initial_no_auth_action_count(2)
def limited():
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="AKIATESTINGONLY00000", aws_secret_access_key="x")
    iam.create_user(UserName="moto-user")        # 1: before enforcement
    iam.list_users()                              # 2
    try:
        iam.list_users()                          # 3: enforced, the key is unknown
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return "allowed"

print(limited())
sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="anything", aws_secret_access_key="x")
print(sts.get_caller_identity()["Account"])  # restored to inf: no enforcement again
'''


@pytest.mark.skipif(not os.path.exists(PYENV_PYTHON), reason="needs moto in the pyenv Python")
def test_motos_own_auth_decorator_runs_against_rampart(make_server):
    s = make_server(dev=True)
    env = dict(os.environ, TEST_SERVER_MODE="true", TEST_SERVER_MODE_ENDPOINT=s.endpoint)
    p = subprocess.run([PYENV_PYTHON, "-c", MOTO_SCRIPT], env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["InvalidClientTokenId", "123456789012"]


def test_metrics_can_move_or_go(make_server):
    import socket as so
    sock = so.socket()
    sock.bind(("127.0.0.1", 0))
    mport = sock.getsockname()[1]
    sock.close()
    s = make_server("--metrics-listen", f"127.0.0.1:{mport}")
    s.client("sts").get_caller_identity()
    assert requests.get(s.endpoint + "/metrics").status_code == 404
    text = requests.get(f"http://127.0.0.1:{mport}/metrics").text
    assert "rampart_requests_total" in text
    assert requests.get(f"http://127.0.0.1:{mport}/_rampart/health").status_code == 404
    off = make_server("--metrics-listen", "off")
    assert requests.get(off.endpoint + "/metrics").status_code == 404
