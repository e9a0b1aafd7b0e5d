"""aws:SourceIp comes from the socket; X-Forwarded-For only from configured trusted proxies."""
import json
import time

import botocore.exceptions
import pytest

from test_enforcement import allow, doc


def user_client(s, xff=None):
    root = s.client("iam")
    name = "ip%d" % int(time.time() * 1e6)
    root.create_user(UserName=name)
    root.put_user_policy(UserName=name, PolicyName="net", PolicyDocument=doc(
        allow("iam:ListUsers", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})))
    k = root.create_access_key(UserName=name)["AccessKey"]
    c = s.client("iam", key=k["AccessKeyId"], secret=k["SecretAccessKey"])
    if xff:
        c.meta.events.register("before-send.iam.*",
                               lambda request, **kw: request.headers.__setitem__("X-Forwarded-For", xff))
    return c


def test_forwarded_for_is_believed_from_trusted_proxy(make_server):
    s = make_server("--trusted-proxy", "127.0.0.0/8")
    assert "Users" in user_client(s, "203.0.113.9").list_users()
    assert "Users" in user_client(s, "203.0.113.9, 127.0.0.5").list_users()
    with pytest.raises(botocore.exceptions.ClientError):
        user_client(s).list_users()  # the socket address is 127.0.0.1
    with pytest.raises(botocore.exceptions.ClientError):
        user_client(s, "198.51.100.1").list_users()


def test_forwarded_for_is_ignored_without_trusted_proxy(server):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user_client(server, "203.0.113.9").list_users()
    assert e.value.response["Error"]["Code"] == "AccessDenied"


def test_bad_trusted_proxy_refuses_to_start(make_server):
    with pytest.raises(RuntimeError) as e:
        make_server("--trusted-proxy", "not-an-ip")
    assert "not-an-ip" in str(e.value)
