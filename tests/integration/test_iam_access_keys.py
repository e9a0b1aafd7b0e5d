"""IAM access keys: lifecycle, quota, caller-implied user, last-used, SigV4 with a new key."""
import re
import time

import botocore.exceptions
import pytest


def code(exc):
    return exc.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def iam(server):
    return server.client("iam")


def test_lifecycle_and_quota(server, iam):
    iam.create_user(UserName="ak-alice")
    k1 = iam.create_access_key(UserName="ak-alice")["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", k1["AccessKeyId"])
    assert len(k1["SecretAccessKey"]) == 40
    assert k1["Status"] == "Active" and k1["UserName"] == "ak-alice"
    k2 = iam.create_access_key(UserName="ak-alice")["AccessKey"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_access_key(UserName="ak-alice")
    assert code(e) == "LimitExceeded"
    assert "Cannot exceed quota for AccessKeysPerUser: 2" in str(e.value)

    listed = iam.list_access_keys(UserName="ak-alice")["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in listed) == sorted([k1["AccessKeyId"], k2["AccessKeyId"]])
    assert all("SecretAccessKey" not in k for k in listed)
    page = iam.list_access_keys(UserName="ak-alice", MaxItems=1)
    assert page["IsTruncated"] and len(page["AccessKeyMetadata"]) == 1
    rest = iam.list_access_keys(UserName="ak-alice", Marker=page["Marker"])
    assert len(rest["AccessKeyMetadata"]) == 1 and not rest["IsTruncated"]

    iam.update_access_key(UserName="ak-alice", AccessKeyId=k1["AccessKeyId"], Status="Inactive")
    statuses = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName="ak-alice")["AccessKeyMetadata"]}
    assert statuses[k1["AccessKeyId"]] == "Inactive"

    # A user with keys cannot be deleted.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_user(UserName="ak-alice")
    assert code(e) == "DeleteConflict"

    iam.delete_access_key(UserName="ak-alice", AccessKeyId=k1["AccessKeyId"])
    iam.delete_access_key(UserName="ak-alice", AccessKeyId=k2["AccessKeyId"])
    assert iam.list_access_keys(UserName="ak-alice")["AccessKeyMetadata"] == []
    iam.delete_user(UserName="ak-alice")


def test_errors(iam):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_access_key(UserName="ak-nobody")
    assert code(e) == "NoSuchEntity"
    iam.create_user(UserName="ak-bob")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_access_key(UserName="ak-bob", AccessKeyId="AKIAAAAAAAAAAAAAAAAA")
    assert code(e) == "NoSuchEntity"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.update_access_key(UserName="ak-bob", AccessKeyId="AKIAAAAAAAAAAAAAAAAA", Status="Active")
    assert code(e) == "NoSuchEntity"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_access_key_last_used(AccessKeyId="AKIAAAAAAAAAAAAAAAAA")
    # AWS answers AccessDenied for a key it will not show (LocalStack's AWS-validated snapshot).
    assert code(e) == "AccessDenied"
    assert e.value.response["Error"]["Message"].endswith(
        "is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key "
        "AKIAAAAAAAAAAAAAAAAA")
    # Another user's key is not addressable through this user.
    iam.create_user(UserName="ak-carol")
    k = iam.create_access_key(UserName="ak-carol")["AccessKey"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_access_key(UserName="ak-bob", AccessKeyId=k["AccessKeyId"])
    assert code(e) == "NoSuchEntity"
    iam.delete_access_key(UserName="ak-carol", AccessKeyId=k["AccessKeyId"])


def test_new_key_authenticates_and_status_applies(server, iam):
    iam.create_user(UserName="ak-dave")
    k = iam.create_access_key(UserName="ak-dave")["AccessKey"]
    sts = server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"])
    ident = sts.get_caller_identity()
    assert ident["Arn"].endswith(":user/ak-dave")
    # GetAccessKeyLastUsed: shape is right whether or not the server recorded the use yet.
    last = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])
    assert last["UserName"] == "ak-dave"
    assert "ServiceName" in last["AccessKeyLastUsed"] and "Region" in last["AccessKeyLastUsed"]
    iam.update_access_key(UserName="ak-dave", AccessKeyId=k["AccessKeyId"], Status="Inactive")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_caller_identity()
    assert code(e) in ("InvalidClientTokenId", "AccessDenied")
    iam.delete_access_key(UserName="ak-dave", AccessKeyId=k["AccessKeyId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_caller_identity()
    assert code(e) == "InvalidClientTokenId"


def test_last_used_recorded(server, iam):
    iam.create_user(UserName="ak-erin")
    k = iam.create_access_key(UserName="ak-erin")["AccessKey"]
    server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"]).get_caller_identity()
    # Uses are written in the background every few seconds.
    deadline = time.time() + 10
    last = {}
    while time.time() < deadline:
        last = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])["AccessKeyLastUsed"]
        if "LastUsedDate" in last:
            break
        time.sleep(0.5)
    assert "LastUsedDate" in last
    assert last["ServiceName"] == "sts" and last["Region"] == "us-east-1"


def test_caller_implied_user(server, iam):
    iam.create_user(UserName="ak-frank")
    iam.attach_user_policy(UserName="ak-frank", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    k = iam.create_access_key(UserName="ak-frank")["AccessKey"]
    own = server.client("iam", key=k["AccessKeyId"], secret=k["SecretAccessKey"])
    k2 = own.create_access_key()["AccessKey"]
    assert k2["UserName"] == "ak-frank"
    ids = {x["AccessKeyId"] for x in own.list_access_keys()["AccessKeyMetadata"]}
    assert ids == {k["AccessKeyId"], k2["AccessKeyId"]}
    own.delete_access_key(AccessKeyId=k2["AccessKeyId"])


def test_root_keys(server, iam):
    root_key, _ = server.credentials()
    ids = [k["AccessKeyId"] for k in iam.list_access_keys()["AccessKeyMetadata"]]
    assert root_key in ids
    k = iam.create_access_key()["AccessKey"]
    assert k["AccessKeyId"].startswith("AKIA")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_access_key()
    assert code(e) == "LimitExceeded"
    sts = server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"].endswith(":root")
    iam.delete_access_key(AccessKeyId=k["AccessKeyId"])


def test_cli(server):
    server.client("iam").create_user(UserName="ak-cli")
    r = server.cli("iam", "create-access-key", "--user-name", "ak-cli")
    assert r.returncode == 0, r.stderr
    r = server.cli("iam", "list-access-keys", "--user-name", "ak-cli")
    assert r.returncode == 0 and "AccessKeyMetadata" in r.stdout
