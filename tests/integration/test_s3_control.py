"""S3 Control's account-level Block Public Access on the real server (PutPublicAccessBlock,
GetPublicAccessBlock, DeletePublicAccessBlock of the s3control API), and that it applies on top
of every bucket's own settings.

botocore's endpoint rules for s3control put the account id in front of the endpoint's host
("<account>.127.0.0.1"); the test sends those requests to the server's address with that Host
header, as DNS for <account>.<host> would."""
import json
import os
import urllib.error
import urllib.request

import botocore.exceptions
import pytest


def error_of(exc_info):
    return exc_info.value.response["Error"]["Code"]


def control_client(server, **kw):
    c = server.client("s3control", **kw)
    host = server.endpoint.split("://", 1)[1]

    def to_server(request, **_):
        scheme, rest = request.url.split("://", 1)
        netloc, path = rest.split("/", 1)
        if netloc != host:
            request.headers["Host"] = netloc
            request.url = f"{scheme}://{host}/{path}"
    c.meta.events.register_last("before-send.s3-control", to_server)
    return c


def anonymous(url):
    try:
        with urllib.request.urlopen(url) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_account_block_public_access(server):
    account = server.client("sts").get_caller_identity()["Account"]
    control = control_client(server)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        control.get_public_access_block(AccountId=account)
    assert error_of(e) == "NoSuchPublicAccessBlockConfiguration"

    # A bucket that allows a public policy serves anonymous reads...
    s3 = server.client("s3")
    bucket = f"control-{os.getpid()}"
    s3.create_bucket(Bucket=bucket)
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                "Action": "s3:GetObject",
                                                "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert anonymous(f"{server.endpoint}/{bucket}/k") == 200

    # ...until the account restricts public buckets, whatever the bucket says.
    config = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
              "RestrictPublicBuckets": True}
    control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=config)
    assert control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"] == config
    assert anonymous(f"{server.endpoint}/{bucket}/k") == 403
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    with pytest.raises(botocore.exceptions.ClientError) as e:  # BlockPublicPolicy, account-wide
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                    "Action": "s3:ListBucket",
                                                    "Resource": f"arn:aws:s3:::{bucket}"}]}))
    assert error_of(e) == "AccessDenied"

    # Another account's configuration is not the caller's to read or change.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        control.get_public_access_block(AccountId="111122223333")
    assert error_of(e) == "AccessDenied"

    control.delete_public_access_block(AccountId=account)
    assert anonymous(f"{server.endpoint}/{bucket}/k") == 200
    # The rest of S3 Control is not served: AWS's NotImplemented, not a fake success.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        control.list_access_points(AccountId=account)
    assert error_of(e) == "NotImplemented"


def test_account_block_needs_its_own_permission(server):
    account = server.client("sts").get_caller_identity()["Account"]
    iam = server.client("iam")
    name = f"control-user-{os.getpid()}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="get-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetAccountPublicAccessBlock",
                       "Resource": "*"}]}))
    ak = iam.create_access_key(UserName=name)["AccessKey"]
    user = control_client(server, key=ak["AccessKeyId"], secret=ak["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True})
    assert error_of(e) == "AccessDenied"
    assert "s3:PutAccountPublicAccessBlock" in e.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.get_public_access_block(AccountId=account)
    assert error_of(e) == "NoSuchPublicAccessBlockConfiguration"  # allowed, and there is none
