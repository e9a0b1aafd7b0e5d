"""S3 ACLs on the real server: Object Ownership (ACLs disabled by default, enabled with
ObjectWriter or BucketOwnerPreferred), canned ACLs, x-amz-grant-* headers and AccessControlPolicy
bodies, what Get*Acl answers, and enforcement: anonymous and authenticated grants, Block Public
Access's BlockPublicAcls and IgnorePublicAcls."""
import json
import os
import urllib.error
import urllib.request

import botocore.exceptions
import pytest

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def error_of(exc_info):
    return exc_info.value.response["Error"]["Code"]


def anonymous(url):
    try:
        with urllib.request.urlopen(url) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def s3(server):
    return server.client("s3")


_n = [0]


def new_bucket(s3, ownership=None, **kw):
    _n[0] += 1
    name = f"acl-{os.getpid()}-{_n[0]}"
    if ownership:
        kw["ObjectOwnership"] = ownership
    s3.create_bucket(Bucket=name, **kw)
    return name


def open_public_access(s3, bucket, ignore=False):
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": ignore,
        "BlockPublicPolicy": False, "RestrictPublicBuckets": False})


def test_acls_are_disabled_by_default(s3):
    b = new_bucket(s3)
    assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    grants = s3.get_bucket_acl(Bucket=b)["Grants"]
    assert len(grants) == 1 and grants[0]["Permission"] == "FULL_CONTROL"
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser" and len(grants[0]["Grantee"]["ID"]) == 64
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_acl(Bucket=b, ACL="public-read")
    assert error_of(e) == "AccessControlListNotSupported"
    s3.put_bucket_acl(Bucket=b, ACL="private")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=b, Key="k", Body=b"x", ACL="public-read")
    assert error_of(e) == "AccessControlListNotSupported"
    s3.put_object(Bucket=b, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.create_bucket(Bucket=f"acl-bad-{os.getpid()}", ACL="public-read")
    assert error_of(e) == "InvalidBucketAclWithObjectOwnership"


def test_canned_object_acl_grants_anonymous_reads_unless_blocked(server, s3):
    b = new_bucket(s3, "ObjectWriter")
    assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"][0][
        "ObjectOwnership"] == "ObjectWriter"
    # Block Public Access (on for every new bucket) refuses a public ACL.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=b, Key="pub", Body=b"hello", ACL="public-read")
    assert error_of(e) == "AccessDenied"
    open_public_access(s3, b)
    s3.put_object(Bucket=b, Key="pub", Body=b"hello", ACL="public-read")
    s3.put_object(Bucket=b, Key="priv", Body=b"secret")
    assert anonymous(f"{server.endpoint}/{b}/pub") == (200, b"hello")
    assert anonymous(f"{server.endpoint}/{b}/priv")[0] == 403
    assert anonymous(f"{server.endpoint}/{b}")[0] == 403  # the bucket ACL grants no READ
    grants = s3.get_object_acl(Bucket=b, Key="pub")["Grants"]
    assert {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"} in grants
    # IgnorePublicAcls: the grant stays, but no longer counts.
    open_public_access(s3, b, ignore=True)
    assert anonymous(f"{server.endpoint}/{b}/pub")[0] == 403
    open_public_access(s3, b)
    s3.put_object_acl(Bucket=b, Key="pub", ACL="private")
    assert anonymous(f"{server.endpoint}/{b}/pub")[0] == 403


def test_grant_headers_and_their_errors(server, s3):
    b = new_bucket(s3, "BucketOwnerPreferred")
    open_public_access(s3, b)
    owner_id = s3.get_bucket_acl(Bucket=b)["Owner"]["ID"]
    s3.put_object(Bucket=b, Key="k", Body=b"granted")
    s3.put_object_acl(Bucket=b, Key="k", GrantRead=f'uri="{ALL_USERS}"',
                      GrantFullControl=f'id="{owner_id}"')
    assert anonymous(f"{server.endpoint}/{b}/k") == (200, b"granted")
    grants = s3.get_object_acl(Bucket=b, Key="k")["Grants"]
    assert {"Grantee": {"Type": "CanonicalUser", "ID": owner_id}, "Permission": "FULL_CONTROL"} in grants
    for kwargs, code in [
        ({"GrantRead": 'id="' + "0" * 64 + '"'}, "InvalidArgument"),
        ({"GrantRead": 'emailAddress="nobody@example.invalid"'}, "UnresolvableGrantByEmailAddress"),
        ({"GrantRead": 'uri="http://acs.amazonaws.com/groups/global/Nobody"'}, "InvalidArgument"),
        ({"ACL": "public-read", "GrantRead": f'uri="{ALL_USERS}"'}, "InvalidRequest"),
    ]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            s3.put_object_acl(Bucket=b, Key="k", **kwargs)
        assert error_of(e) == code, kwargs
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object_acl(Bucket=b, Key="missing", ACL="private")
    assert error_of(e) == "NoSuchKey"


def test_bucket_acl_body_and_authenticated_users(server, s3):
    b = new_bucket(s3, "ObjectWriter")
    open_public_access(s3, b)
    owner_id = s3.get_bucket_acl(Bucket=b)["Owner"]["ID"]
    s3.put_object(Bucket=b, Key="listed", Body=b"x")
    s3.put_bucket_acl(Bucket=b, AccessControlPolicy={
        "Owner": {"ID": owner_id},
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": owner_id}, "Permission": "FULL_CONTROL"},
                   {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]})
    status, body = anonymous(f"{server.endpoint}/{b}?list-type=2")
    assert status == 200 and b"<Key>listed</Key>" in body
    # AuthenticatedUsers: any signed caller (here a user with no S3 permission of its own),
    # never an anonymous one.
    s3.put_bucket_acl(Bucket=b, ACL="authenticated-read")
    assert anonymous(f"{server.endpoint}/{b}?list-type=2")[0] == 403
    iam = server.client("iam")
    name = f"acl-reader-{os.getpid()}"
    iam.create_user(UserName=name)
    ak = iam.create_access_key(UserName=name)["AccessKey"]
    user = server.client("s3", key=ak["AccessKeyId"], secret=ak["SecretAccessKey"])
    keys = [o["Key"] for o in user.list_objects_v2(Bucket=b)["Contents"]]
    assert keys == ["listed"]
    with pytest.raises(botocore.exceptions.ClientError) as e:  # READ on the bucket is not the objects
        user.get_object(Bucket=b, Key="listed")
    assert error_of(e) == "AccessDenied"


def test_switching_ownership_back_to_enforced(s3):
    b = new_bucket(s3, "ObjectWriter")
    open_public_access(s3, b)
    s3.put_bucket_acl(Bucket=b, ACL="public-read")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
            "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert error_of(e) == "InvalidBucketAclWithObjectOwnership"
    s3.put_bucket_acl(Bucket=b, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_acl(Bucket=b, ACL="public-read")
    assert error_of(e) == "AccessControlListNotSupported"


def test_deleted_ownership_controls_behave_as_object_writer(server, s3):
    b = new_bucket(s3)
    s3.delete_bucket_ownership_controls(Bucket=b)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_bucket_ownership_controls(Bucket=b)
    assert error_of(e) == "OwnershipControlsNotFoundError"
    open_public_access(s3, b)
    s3.put_object(Bucket=b, Key="k", Body=b"acl on", ACL="public-read")  # ACLs are enabled
    assert anonymous(f"{server.endpoint}/{b}/k") == (200, b"acl on")
    s3.put_object_acl(Bucket=b, Key="k", ACL="private")
    s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"][0][
        "ObjectOwnership"] == "BucketOwnerEnforced"
