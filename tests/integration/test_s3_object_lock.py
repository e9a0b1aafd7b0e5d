"""S3 Object Lock on the real server: buckets created with it (versioning on for good), bucket
configuration with default retention, GOVERNANCE and COMPLIANCE retention and legal holds on
versions, and what they forbid: deleting a protected version (alone or in DeleteObjects),
shortening retention, bypassing GOVERNANCE without s3:BypassGovernanceRetention."""
import datetime
import json
import os

import botocore.exceptions
import pytest


def error_of(exc_info):
    return exc_info.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def s3(server):
    return server.client("s3")


_n = [0]


def locked_bucket(s3):
    _n[0] += 1
    name = f"lock-{os.getpid()}-{_n[0]}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def later(days=1):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)


def test_bucket_configuration(s3):
    b = locked_bucket(s3)
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    assert s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    assert error_of(e) == "InvalidBucketState"
    rule = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
    s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": rule})
    assert s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"]["Rule"] == rule
    for bad, code in [({"Mode": "GOVERNANCE", "Days": 1, "Years": 1}, "MalformedXML"),
                      ({"Mode": "GOVERNANCE", "Days": 0}, "InvalidArgument"),
                      ({"Mode": "SOMETIMES", "Days": 1}, "MalformedXML")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": bad}})
        assert error_of(e) == code, bad
    # The default applies to new versions.
    v = s3.put_object(Bucket=b, Key="k", Body=b"x")["VersionId"]
    head = s3.head_object(Bucket=b, Key="k")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert abs((head["ObjectLockRetainUntilDate"] - later(1)).total_seconds()) < 120
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.delete_object(Bucket=b, Key="k", VersionId=v)
    assert error_of(e) == "AccessDenied"

    # A bucket without Object Lock.
    _n[0] += 1
    plain = f"lock-plain-{os.getpid()}-{_n[0]}"
    s3.create_bucket(Bucket=plain)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object_lock_configuration(Bucket=plain)
    assert error_of(e) == "ObjectLockConfigurationNotFoundError"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=plain, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=later())
    assert error_of(e) == "InvalidRequest"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object_lock_configuration(Bucket=plain, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    assert error_of(e) == "InvalidBucketState"
    s3.put_bucket_versioning(Bucket=plain, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=plain, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})


def test_compliance_retention_cannot_be_shortened_or_deleted(s3):
    b = locked_bucket(s3)
    until = later(2)
    v = s3.put_object(Bucket=b, Key="c", Body=b"kept", ObjectLockMode="COMPLIANCE",
                      ObjectLockRetainUntilDate=until)["VersionId"]
    r = s3.get_object_retention(Bucket=b, Key="c")["Retention"]
    assert r["Mode"] == "COMPLIANCE" and abs((r["RetainUntilDate"] - until).total_seconds()) < 2
    for kwargs in [{}, {"BypassGovernanceRetention": True}]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            s3.delete_object(Bucket=b, Key="c", VersionId=v, **kwargs)
        assert error_of(e) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object_retention(Bucket=b, Key="c", Retention={"Mode": "COMPLIANCE",
                                                              "RetainUntilDate": later(1)})
    assert error_of(e) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object_retention(Bucket=b, Key="c", Retention={"Mode": "GOVERNANCE",
                                                              "RetainUntilDate": later(5)},
                                BypassGovernanceRetention=True)
    assert error_of(e) == "AccessDenied"
    s3.put_object_retention(Bucket=b, Key="c", Retention={"Mode": "COMPLIANCE",
                                                          "RetainUntilDate": later(3)})
    # Deleting without a version id only adds a delete marker: the version stays.
    marker = s3.delete_object(Bucket=b, Key="c")
    assert marker["DeleteMarker"] is True
    assert s3.get_object(Bucket=b, Key="c", VersionId=v)["Body"].read() == b"kept"
    out = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "c", "VersionId": v}]})
    assert out["Errors"][0]["Code"] == "AccessDenied" and out["Errors"][0]["VersionId"] == v
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=b, Key="p", Body=b"x", ObjectLockMode="COMPLIANCE",
                      ObjectLockRetainUntilDate=later(-1))
    assert error_of(e) == "InvalidArgument"


def test_governance_yields_only_to_callers_allowed_to_bypass(server, s3):
    b = locked_bucket(s3)
    v = s3.put_object(Bucket=b, Key="g", Body=b"x", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=later())["VersionId"]
    iam = server.client("iam")
    name = f"lock-user-{os.getpid()}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="no-bypass", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                      {"Effect": "Deny", "Action": "s3:BypassGovernanceRetention", "Resource": "*"}]}))
    ak = iam.create_access_key(UserName=name)["AccessKey"]
    user = server.client("s3", key=ak["AccessKeyId"], secret=ak["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.delete_object(Bucket=b, Key="g", VersionId=v)
    assert error_of(e) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.delete_object(Bucket=b, Key="g", VersionId=v, BypassGovernanceRetention=True)
    assert error_of(e) == "AccessDenied"
    # The bypass header without the permission is refused whole.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.delete_objects(Bucket=b, BypassGovernanceRetention=True,
                            Delete={"Objects": [{"Key": "g", "VersionId": v}]})
    assert error_of(e) == "AccessDenied"
    # The account's root may bypass GOVERNANCE.
    s3.delete_object(Bucket=b, Key="g", VersionId=v, BypassGovernanceRetention=True)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.head_object(Bucket=b, Key="g", VersionId=v)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_legal_hold(s3):
    b = locked_bucket(s3)
    v = s3.put_object(Bucket=b, Key="h", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    assert s3.get_object_legal_hold(Bucket=b, Key="h")["LegalHold"] == {"Status": "ON"}
    assert s3.head_object(Bucket=b, Key="h")["ObjectLockLegalHoldStatus"] == "ON"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.delete_object(Bucket=b, Key="h", VersionId=v, BypassGovernanceRetention=True)
    assert error_of(e) == "AccessDenied"
    s3.put_object_legal_hold(Bucket=b, Key="h", VersionId=v, LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=b, Key="h", VersionId=v)
    w = s3.put_object(Bucket=b, Key="n", Body=b"x")["VersionId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object_legal_hold(Bucket=b, Key="n")
    assert error_of(e) == "NoSuchObjectLockConfiguration"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object_retention(Bucket=b, Key="n", VersionId=w)
    assert error_of(e) == "NoSuchObjectLockConfiguration"
