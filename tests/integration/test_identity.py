"""STS GetCallerIdentity end to end, and the authentication errors AWS gives."""
import json

import botocore.exceptions
import pytest
import requests


def test_cli_get_caller_identity_returns_root(server):
    out = server.cli("sts", "get-caller-identity", check=True)
    ident = json.loads(out.stdout)
    assert ident["Arn"] == f"arn:aws:iam::{ident['Account']}:root"
    assert ident["UserId"] == ident["Account"]
    assert len(ident["Account"]) == 12 and ident["Account"].isdigit()


def test_boto3_get_caller_identity_returns_root(server):
    ident = server.client("sts").get_caller_identity()
    assert ident["Arn"].endswith(":root")
    assert ident["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert len(ident["ResponseMetadata"]["RequestId"]) == 36


def test_cli_wrong_secret_is_signature_does_not_match(server):
    key, _ = server.credentials()
    out = server.cli("sts", "get-caller-identity", key=key, secret="x" * 40)
    assert out.returncode != 0
    assert "SignatureDoesNotMatch" in out.stderr


def test_boto3_wrong_secret_is_signature_does_not_match(server):
    key, _ = server.credentials()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        server.client("sts", key=key, secret="y" * 40).get_caller_identity()
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_access_key_is_invalid_client_token_id(server):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        server.client("sts", key="AKIAIOSFODNN7EXAMPLE", secret="z" * 40).get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_unknown_key_on_json_service_is_unrecognized_client(server):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        server.client("kms", key="AKIAIOSFODNN7EXAMPLE", secret="z" * 40).list_keys()
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_unsigned_request_is_missing_authentication_token(server):
    r = requests.post(server.endpoint + "/", data="Action=GetCallerIdentity&Version=2011-06-15",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in r.text


def test_tampered_signature_is_rejected(server):
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    key, secret = server.credentials()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/",
        data="Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "sts",
                            "us-east-1").add_auth(req)
    headers = dict(req.headers.items())
    ok = requests.post(server.endpoint + "/", data=req.body, headers=headers)
    assert ok.status_code == 200, ok.text
    # Change the signed body: the signature no longer matches.
    bad = requests.post(server.endpoint + "/", data=req.body + b"&Extra=1", headers=headers)
    assert bad.status_code == 403 and "SignatureDoesNotMatch" in bad.text


def test_request_time_too_skewed(server):
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import datetime
    from unittest import mock
    key, secret = server.credentials()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/",
        data="Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    old = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = old
        dt.timezone = datetime.timezone
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "sts",
                                "us-east-1").add_auth(req)
    r = requests.post(server.endpoint + "/", data=req.body, headers=dict(req.headers.items()))
    assert r.status_code == 403
    assert "Signature expired" in r.text
