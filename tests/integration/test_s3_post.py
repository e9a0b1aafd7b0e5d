"""S3 POST Object on the real server: a form made by boto3's generate_presigned_post (SigV4
policy) uploads a file as the signer; the policy's conditions, its expiry, its signature and the
signer's permissions are enforced; success_action_status and success_action_redirect answer as
S3 does."""
import json
import os
import urllib.error
import urllib.request
import uuid

import botocore.config
import botocore.exceptions
import pytest


def post_form(url, fields, file_bytes, filename="upload.bin"):
    boundary = uuid.uuid4().hex
    body = b""
    for k, v in fields.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").encode()
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
             f"Content-Type: application/octet-stream\r\n\r\n").encode() + file_bytes + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module")
def s3v4(server):
    return server.client("s3", signature_version="s3v4")


def test_post_object_with_a_signed_policy(server, s3v4):
    b = f"post-{os.getpid()}"
    s3v4.create_bucket(Bucket=b)
    post = s3v4.generate_presigned_post(
        b, "uploads/${filename}", Fields={"Content-Type": "text/plain", "x-amz-meta-who": "browser"},
        Conditions=[["starts-with", "$key", "uploads/"], {"Content-Type": "text/plain"},
                    {"x-amz-meta-who": "browser"}, ["content-length-range", 1, 1000]],
        ExpiresIn=600)
    status, headers, body = post_form(post["url"], post["fields"], b"hello from a form", "note.txt")
    assert status == 204, body
    got = s3v4.get_object(Bucket=b, Key="uploads/note.txt")
    assert got["Body"].read() == b"hello from a form"
    assert got["ContentType"] == "text/plain" and got["Metadata"] == {"who": "browser"}

    # The length range, the key condition, an extra field, a changed policy, a bad signature.
    status, _, body = post_form(post["url"], post["fields"], b"x" * 2000)
    assert status == 400 and b"EntityTooLarge" in body
    fields = dict(post["fields"], key="elsewhere/${filename}")
    status, _, body = post_form(post["url"], fields, b"x")
    assert status == 403 and b"Policy Condition failed" in body
    status, _, body = post_form(post["url"], dict(post["fields"], **{"x-amz-meta-extra": "1"}), b"x")
    assert status == 403 and b"Extra input fields: x-amz-meta-extra" in body
    status, _, body = post_form(post["url"], dict(post["fields"], **{"x-amz-signature": "0" * 64}), b"x")
    assert status == 403 and b"SignatureDoesNotMatch" in body
    # A signature made for another service's scope does not sign an S3 upload.
    other = dict(post["fields"])
    other["x-amz-credential"] = other["x-amz-credential"].replace("/s3/", "/sts/")
    status, _, body = post_form(post["url"], other, b"x")
    assert status == 400 and b"Invalid credential" in body
    missing = {k: v for k, v in post["fields"].items() if k != "policy"}
    status, _, body = post_form(post["url"], missing, b"x")
    assert status == 400 and b"InvalidArgument" in body and b"policy" in body

    # 201 answers a PostResponse document; a redirect answers 303 with the key in its query.
    post201 = s3v4.generate_presigned_post(b, "r201", Fields={"success_action_status": "201"},
                                           Conditions=[{"success_action_status": "201"}])
    status, _, body = post_form(post201["url"], post201["fields"], b"created")
    assert status == 201 and b"<Key>r201</Key>" in body and b"<Bucket>" + b.encode() in body
    redirect = "http://example.invalid/done"
    post303 = s3v4.generate_presigned_post(b, "r303", Fields={"success_action_redirect": redirect},
                                           Conditions=[{"success_action_redirect": redirect}])
    status, headers, _ = post_form(post303["url"], post303["fields"], b"redirected")
    assert status == 303 and headers["Location"].startswith(redirect + "?bucket=" + b + "&key=r303")
    assert s3v4.get_object(Bucket=b, Key="r303")["Body"].read() == b"redirected"


def test_post_object_expired_or_not_permitted(server, s3v4):
    b = f"post-deny-{os.getpid()}"
    s3v4.create_bucket(Bucket=b)
    expired = s3v4.generate_presigned_post(b, "k", ExpiresIn=-10)
    status, _, body = post_form(expired["url"], expired["fields"], b"x")
    assert status == 403 and b"Policy expired" in body
    # The signer needs s3:PutObject like any PutObject.
    iam = server.client("iam")
    name = f"post-user-{os.getpid()}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    ak = iam.create_access_key(UserName=name)["AccessKey"]
    user = server.client("s3", key=ak["AccessKeyId"], secret=ak["SecretAccessKey"],
                         signature_version="s3v4")
    post = user.generate_presigned_post(b, "k")
    status, _, body = post_form(post["url"], post["fields"], b"x")
    assert status == 403 and b"AccessDenied" in body
    with pytest.raises(botocore.exceptions.ClientError):
        s3v4.head_object(Bucket=b, Key="k")
