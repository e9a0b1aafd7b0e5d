"""Signatures bound to their service and region, presigned URLs from the stock SDK, one signature
per request, the body always signed outside S3, and requests that must name their operation
exactly."""
import datetime
import hashlib
import hmac
import json
import subprocess
import time
import urllib.parse

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
import requests


def sign(server, service, region, body, headers=None, method="POST", path="/", query="",
         key=None, secret=None, payload_hash=None):
    """Signs a request with botocore's own SigV4 signer for (service, region)."""
    if key is None:
        key, secret = server.credentials()
    url = server.endpoint + path + ("?" + query if query else "")
    req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body,
                                         headers=dict(headers or {}))
    if payload_hash:
        req.headers["X-Amz-Content-SHA256"] = payload_hash
    creds = botocore.credentials.Credentials(key, secret)
    botocore.auth.SigV4Auth(creds, service, region).add_auth(req)
    return req


def send(req):
    p = req.prepare()
    return requests.request(p.method, p.url, headers=dict(p.headers), data=p.body)


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
KMS_LIST = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"}


def test_a_signature_for_sts_cannot_be_replayed_against_kms(server):
    r = send(sign(server, "sts", "us-east-1", "{}", KMS_LIST))
    assert r.status_code == 400
    body = r.json()
    assert body["__type"].endswith("InvalidSignatureException")
    assert "Credential should be scoped to correct service: 'kms'." in body["message"]
    # Signed for KMS, the same request works.
    assert send(sign(server, "kms", "us-east-1", "{}", KMS_LIST)).status_code == 200


def test_a_presigned_sts_url_cannot_become_another_operation(server):
    sts = server.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60)
    r = requests.post(url, data="{}", headers=KMS_LIST)
    assert r.status_code in (400, 403)
    assert "ListKeys" not in r.text and "Keys" not in r.text


# AWS: a presigned URL's X-Amz-Credential scope binds it to one service; sent with another
# service's target it is refused with InvalidSignatureException naming the service (AWS General
# Reference, "Create a signed AWS API request" / SigV4 query-string authentication).
def test_a_presigned_sts_url_sent_to_kms_names_the_service_it_should_be_scoped_to(server):
    sts = server.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60)
    assert "%2Fsts%2Faws4_request" in url  # the scope in the query names sts
    r = requests.post(url, data="{}", headers=KMS_LIST)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["__type"].endswith("InvalidSignatureException")
    assert "Credential should be scoped to correct service: 'kms'." in body["message"]
    assert "Keys" not in body
    # The same URL, sent as what it was signed for, works.
    assert requests.post(url).status_code == 200


# AWS: the region in a presigned URL's credential scope must be one the service answers in (any
# valid region for STS's regional endpoints, us-east-1 for global IAM), else SignatureDoesNotMatch
# "Credential should be scoped to a valid region" (SigV4 query-string form of the header rule).
def test_a_presigned_url_is_bound_to_a_valid_region(server):
    def refused_for_region(r, region):
        assert r.status_code == 403, r.text
        assert "<Code>SignatureDoesNotMatch</Code>" in r.text
        assert f"Credential should be scoped to a valid region, not &apos;{region}&apos;." in r.text \
            or f"Credential should be scoped to a valid region, not '{region}'." in r.text

    url = server.client("sts", region="eu-west-9").generate_presigned_url(
        "get_caller_identity", ExpiresIn=60)
    assert "%2Feu-west-9%2Fsts%2Faws4_request" in url
    refused_for_region(requests.post(url), "eu-west-9")
    for region in ("eu-west-1", "us-west-2"):
        url = server.client("sts", region=region).generate_presigned_url(
            "get_caller_identity", ExpiresIn=60)
        assert requests.post(url).status_code == 200, region
    # IAM is global: a presigned IAM URL scoped to us-west-2 is refused, us-east-1 works.
    url = server.client("iam", region="us-west-2").generate_presigned_url("list_users",
                                                                          ExpiresIn=60)
    refused_for_region(requests.post(url), "us-west-2")
    url = server.client("iam", region="us-east-1").generate_presigned_url("list_users",
                                                                          ExpiresIn=60)
    assert requests.post(url).status_code == 200


def test_a_signature_is_bound_to_a_valid_region(server):
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    r = send(sign(server, "sts", "eu-west-9", body, FORM))
    assert r.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in r.text
    assert "Credential should be scoped to a valid region, not &apos;eu-west-9&apos;." in r.text \
        or "Credential should be scoped to a valid region, not 'eu-west-9'." in r.text
    assert send(sign(server, "sts", "eu-west-1", body, FORM)).status_code == 200
    # IAM is global: its scope is us-east-1.
    iam_body = "Action=ListUsers&Version=2010-05-08"
    r = send(sign(server, "iam", "eu-west-1", iam_body, FORM))
    assert r.status_code == 403 and "valid region" in r.text
    assert send(sign(server, "iam", "us-east-1", iam_body, FORM)).status_code == 200


def test_boto3_presigned_urls_work_with_curl(server):
    key, secret = server.credentials()
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret,
                                    region_name="us-east-1")
    sts = session.client("sts", endpoint_url=server.endpoint)
    iam = session.client("iam", endpoint_url=server.endpoint)
    kms = session.client("kms", endpoint_url=server.endpoint)
    kms.create_key(Description="presign")
    urls = {
        "sts": sts.generate_presigned_url("get_caller_identity", ExpiresIn=60),
        "iam": iam.generate_presigned_url("list_users", Params={"MaxItems": 5}, ExpiresIn=60),
    }
    # The presigner signs the operation's method (POST); the parameters are in the URL.
    for name, url in urls.items():
        out = subprocess.run(["curl", "-sS", "-X", "POST", "-w", "\n%{http_code}", url],
                             capture_output=True, text=True, timeout=30).stdout
        body, status = out.rsplit("\n", 1)
        assert status == "200", (name, body)
    assert "<Arn>arn:aws:iam::" in subprocess.run(
        ["curl", "-sS", "-X", "POST", urls["sts"]], capture_output=True, text=True).stdout
    # Asked for GET, it signs GET.
    get_url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    assert requests.get(get_url).status_code == 200
    # KMS (JSON): the presigner signs Content-Type and X-Amz-Target, and puts members in the query.
    url = kms.generate_presigned_url("list_keys", Params={"Limit": 5}, ExpiresIn=60)
    out = subprocess.run(["curl", "-sS", "-X", "POST", "-H", "Content-Type: application/x-amz-json-1.1",
                          "-H", "X-Amz-Target: TrentService.ListKeys", "-w", "\n%{http_code}", url],
                         capture_output=True, text=True, timeout=30).stdout
    body, status = out.rsplit("\n", 1)
    assert status == "200", body
    assert len(json.loads(body)["Keys"]) >= 1


def test_presigned_urls_expire(server):
    sts = server.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=1)
    time.sleep(2.2)
    r = requests.post(url)
    assert r.status_code in (400, 403)
    assert "RequestExpired" in r.text or "expired" in r.text.lower()


def test_a_body_added_to_a_presigned_url_is_refused(server):
    url = server.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=60)
    assert requests.post(url).status_code == 200
    r = requests.post(url, data="Action=CreateUser&Version=2010-05-08&UserName=intruder",
                      headers=FORM)
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text


def test_unsigned_payload_is_s3_only(server):
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    r = send(sign(server, "sts", "us-east-1", body, FORM, payload_hash="UNSIGNED-PAYLOAD"))
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text
    # A declared hash that is not the body's: refused too.
    r = send(sign(server, "sts", "us-east-1", body, FORM,
                  payload_hash=hashlib.sha256(b"other").hexdigest()))
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text


def test_one_authorization_header_and_one_mechanism(server):
    req = sign(server, "sts", "us-east-1", "Action=GetCallerIdentity&Version=2011-06-15", FORM)
    p = req.prepare()
    auth = p.headers["Authorization"]
    headers = [(k, v) for k, v in p.headers.items()] + [("Authorization", auth)]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.append(("Host", f"127.0.0.1:{server.port}"))
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("POST", "/", skip_host=True, skip_accept_encoding=True)
    for k, v in headers:
        conn.putheader(k, v)
    conn.endheaders(p.body.encode() if isinstance(p.body, str) else p.body)
    resp = conn.getresponse()
    text = resp.read().decode()
    assert resp.status == 400 and "IncompleteSignature" in text
    # Header and query signatures together.
    url = server.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=60)
    r = requests.post(url, headers={"Authorization": auth})
    assert r.status_code == 400 and "Only one auth mechanism allowed" in r.text


def raw(server, data):
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
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
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("target", ["Bogus.ListKeys", ".ListKeys", "ListKeys",
                                    "TrentService.ListKeys,TrentService.ListAliases",
                                    "trentservice.ListKeys", "TrentService.ListKeys.ListKeys"])
def test_x_amz_target_must_be_exact(server, target):
    r = send(sign(server, "kms", "us-east-1", "{}",
                  {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}))
    assert r.status_code == 400, r.text
    assert "Keys" not in r.json()


def test_two_x_amz_target_headers_are_refused(server):
    req = sign(server, "kms", "us-east-1", "{}", KMS_LIST)
    p = req.prepare()
    lines = [f"POST / HTTP/1.1", f"Host: 127.0.0.1:{server.port}"]
    for k, v in p.headers.items():
        if k.lower() != "host":
            lines.append(f"{k}: {v}")
    lines.append("X-Amz-Target: TrentService.ScheduleKeyDeletion")
    lines.append("Connection: close")
    body = p.body if isinstance(p.body, bytes) else p.body.encode()
    data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    text = raw(server, data)
    assert text.startswith("HTTP/1.1 400"), text[:200]
    assert "x-amz-target" in text.lower()


def test_query_requests_need_the_services_version(server):
    for body, version in (("Action=GetCallerIdentity", "NO_VERSION_SPECIFIED"),
                          ("Action=GetCallerIdentity&Version=2010-05-08", "2010-05-08")):
        r = send(sign(server, "sts", "us-east-1", body, FORM))
        assert r.status_code == 400
        assert "<Code>InvalidAction</Code>" in r.text
        assert f"Could not find operation GetCallerIdentity for version {version}" in r.text


def test_a_json_service_reached_by_get_is_an_error(server):
    r = send(sign(server, "kms", "us-east-1", "", KMS_LIST, method="GET"))
    assert r.status_code == 400
    assert "UnknownOperationException" in r.text and "Keys" not in r.text


def test_session_token_credentials_without_mfa_cannot_call_iam(server):
    iam = server.client("iam")
    iam.create_user(UserName="st-user")
    iam.put_user_policy(UserName="st-user", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    k = iam.create_access_key(UserName="st-user")["AccessKey"]
    sts = server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"])
    creds = sts.get_session_token()["Credentials"]
    s_iam = server.session_client("iam", creds)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s_iam.list_users()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    s_sts = server.session_client("sts", creds)
    assert s_sts.get_caller_identity()["Arn"].endswith(":user/st-user")
    for call in (lambda: s_sts.get_federation_token(Name="fed-x"),
                 lambda: s_sts.get_access_key_info(AccessKeyId=k["AccessKeyId"])):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "AccessDenied"
        assert "with session credentials" in e.value.response["Error"]["Message"]
    # Other services are not limited (KMS here).
    server.session_client("kms", creds).list_keys()


def test_bytes_that_are_not_utf8_never_reach_an_error_body_raw(server):
    import xml.dom.minidom
    # An unknown Action holding a stray byte: the XML error must still parse.
    body = b"Action=Get%FFCallerIdentity&Version=2011-06-15"
    r = send(sign(server, "sts", "us-east-1", body, FORM))
    assert r.status_code == 400
    xml.dom.minidom.parseString(r.content)  # well-formed
    assert b"\xff" not in r.content and "not valid UTF-8" in r.text
    # A parameter value: refused as invalid input, not echoed.
    body = b"Action=CreateUser&Version=2010-05-08&UserName=bad%FFname"
    r = send(sign(server, "iam", "us-east-1", body, FORM))
    assert r.status_code == 400
    xml.dom.minidom.parseString(r.content)
    assert "valid UTF-8" in r.text
    # JSON: the body is not JSON text at all; the error is still valid JSON.
    r = send(sign(server, "kms", "us-east-1", b'{"KeyId": "\xff"}',
                  {"Content-Type": "application/x-amz-json-1.1",
                   "X-Amz-Target": "TrentService.DescribeKey"}))
    assert r.status_code == 400
    json.loads(r.content.decode("utf-8"))
