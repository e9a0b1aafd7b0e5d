"""--dev mode: moto-compatible control endpoints."""
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


def test_control_endpoints_absent_without_dev(server):
    assert requests.post(server.endpoint + "/moto-api/reset").status_code == 404
    assert requests.post(server.endpoint + "/moto-api/reset-auth", data="0").status_code == 404
