"""S3 on the real server: buckets, objects, listing, multipart, checksums, encryption at rest,
bucket policies with Block Public Access, anonymous and presigned access, IAM enforcement,
crash safety, and the stock aws CLI v2's high-level commands."""
import base64
import hashlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
import zlib

import botocore.exceptions
import pytest

from conftest import Server


def error_of(exc_info):
    return exc_info.value.response["Error"]["Code"]


def status_of(exc_info):
    return exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def s3(server):
    return server.client("s3")


_n = [0]


@pytest.fixture
def bucket(s3):
    _n[0] += 1
    name = f"bucket-{os.getpid()}-{_n[0]}"
    s3.create_bucket(Bucket=name)
    return name


PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": "arn:aws:s3:::{b}/*"}],
}


def public_policy(name):
    return json.dumps(PUBLIC_READ).replace("{b}", name)


def http(url, method="GET", data=None, headers=None):
    req = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# ---- buckets ----

def test_bucket_lifecycle(s3):
    s3.create_bucket(Bucket="life-cycle-bucket")
    assert "life-cycle-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.head_bucket(Bucket="life-cycle-bucket")
    assert s3.get_bucket_location(Bucket="life-cycle-bucket")["LocationConstraint"] is None
    # us-east-1 answers 200 to a second create by the owner, as AWS does.
    s3.create_bucket(Bucket="life-cycle-bucket")
    s3.put_object(Bucket="life-cycle-bucket", Key="k", Body=b"x")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.delete_bucket(Bucket="life-cycle-bucket")
    assert error_of(e) == "BucketNotEmpty" and status_of(e) == 409
    s3.delete_object(Bucket="life-cycle-bucket", Key="k")
    s3.delete_bucket(Bucket="life-cycle-bucket")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.head_bucket(Bucket="life-cycle-bucket")
    assert status_of(e) == 404
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.list_objects_v2(Bucket="life-cycle-bucket")
    assert error_of(e) == "NoSuchBucket"


@pytest.mark.parametrize("name", ["ab", "Upper-case", "has_underscore", "-dash-first",
                                  "192.168.1.1", "two..dots", "xn--prefix", "a" * 64])
def test_invalid_bucket_names(s3, name):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.create_bucket(Bucket=name)
    assert error_of(e) == "InvalidBucketName"


def test_region_constraints(server):
    west = server.client("s3", region="eu-west-1")
    west.create_bucket(Bucket="west-bucket-1",
                       CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert west.get_bucket_location(Bucket="west-bucket-1")["LocationConstraint"] == "eu-west-1"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        west.create_bucket(Bucket="west-bucket-1",
                           CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert error_of(e) == "BucketAlreadyOwnedByYou"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        west.create_bucket(Bucket="west-bucket-2",
                           CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert error_of(e) == "IllegalLocationConstraintException"
    east = server.client("s3")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        east.create_bucket(Bucket="east-bucket-x",
                           CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert error_of(e) == "InvalidLocationConstraint"


def test_new_bucket_defaults(s3, bucket):
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert pab == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                   "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    own = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert own == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Grants"][0]["Permission"] == "FULL_CONTROL"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert error_of(e) == "AccessControlListNotSupported"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_of(e) == "NoSuchBucketPolicy"
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)


def test_bucket_tagging(s3, bucket):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_of(e) == "NoSuchTagSet"
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "sec"}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "sec"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "1"},
                                                                  {"Key": "a", "Value": "2"}]})
    assert error_of(e) == "InvalidTag"
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_bucket_tagging(Bucket=bucket)


# ---- objects ----

def test_put_get_head_with_metadata(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="dir/file.txt", Body=b"hello world",
                      ContentType="text/plain", Metadata={"owner": "alice"},
                      CacheControl="max-age=60")
    assert r["ETag"] == '"%s"' % hashlib.md5(b"hello world").hexdigest()
    assert r["ServerSideEncryption"] == "AES256"
    g = s3.get_object(Bucket=bucket, Key="dir/file.txt")
    assert g["Body"].read() == b"hello world"
    assert g["ContentType"] == "text/plain" and g["Metadata"] == {"owner": "alice"}
    assert g["CacheControl"] == "max-age=60" and g["ContentLength"] == 11
    h = s3.head_object(Bucket=bucket, Key="dir/file.txt")
    assert h["ContentLength"] == 11 and h["ETag"] == r["ETag"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing")
    assert error_of(e) == "NoSuchKey" and status_of(e) == 404
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.head_object(Bucket=bucket, Key="missing")
    assert status_of(e) == 404


def test_empty_and_binary_objects(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert s3.get_object(Bucket=bucket, Key="empty")["Body"].read() == b""
    data = bytes(range(256)) * 1000 + b"\x00tail"  # crosses 64 KiB segments
    s3.put_object(Bucket=bucket, Key="bin", Body=data)
    assert s3.get_object(Bucket=bucket, Key="bin")["Body"].read() == data
    part = s3.get_object(Bucket=bucket, Key="bin", Range="bytes=65530-131080")
    assert part["Body"].read() == data[65530:131081]
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["ContentRange"] == f"bytes 65530-131080/{len(data)}"
    assert s3.get_object(Bucket=bucket, Key="bin", Range="bytes=-5")["Body"].read() == b"\x00tail"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="bin", Range=f"bytes={len(data)}-")
    assert error_of(e) == "InvalidRange" and status_of(e) == 416


def test_conditional_requests(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"v1")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"v1"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    assert status_of(e) == 412
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert status_of(e) == 304
    modified = s3.head_object(Bucket=bucket, Key="c")["LastModified"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=modified)
    assert status_of(e) == 304
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince="2000-01-01T00:00:00Z")
    assert status_of(e) == 412


def test_content_md5_and_checksums(s3, bucket):
    body = b"checked bytes"
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="md5", Body=body, ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=bucket, Key="md5", Body=body, ContentMD5=bad)
    assert error_of(e) == "BadDigest"
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    r = s3.put_object(Bucket=bucket, Key="crc", Body=body, ChecksumCRC32=crc)
    assert r["ChecksumCRC32"] == crc
    h = s3.head_object(Bucket=bucket, Key="crc", ChecksumMode="ENABLED")
    assert h["ChecksumCRC32"] == crc
    sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
    r = s3.put_object(Bucket=bucket, Key="sha", Body=body, ChecksumAlgorithm="SHA256")
    assert r["ChecksumSHA256"] == sha
    wrong = base64.b64encode(zlib.crc32(b"x").to_bytes(4, "big")).decode()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=bucket, Key="crc", Body=body, ChecksumCRC32=wrong)
    assert error_of(e) == "BadDigest"
    # The failed puts left the stored object as it was.
    assert s3.get_object(Bucket=bucket, Key="crc")["Body"].read() == body


def test_object_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="a=1&b=2")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [
        {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert s3.get_object(Bucket=bucket, Key="t")["TagCount"] == 2
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "c", "Value": "3"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "c", "Value": "3"}]
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []


def test_copy_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me", Metadata={"m": "1"})
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src")
    assert r["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"copy me").hexdigest()
    g = s3.get_object(Bucket=bucket, Key="dst")
    assert g["Body"].read() == b"copy me" and g["Metadata"] == {"m": "1"}
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="REPLACE", Metadata={"m": "2"}, ContentType="text/x")
    g = s3.get_object(Bucket=bucket, Key="dst2")
    assert g["Metadata"] == {"m": "2"} and g["ContentType"] == "text/x"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src")
    assert error_of(e) == "InvalidRequest"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/nothing")
    assert error_of(e) == "NoSuchKey"


def test_delete_objects(s3, bucket):
    for k in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"},
                                                             {"Key": "never"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a", "b", "never"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["c"]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert "Deleted" not in r
    s3.delete_object(Bucket=bucket, Key="absent")  # 204 either way


# ---- listing ----

def test_list_objects_v2_paging_and_delimiter(s3, bucket):
    keys = ["a/1", "a/2", "a/b/3", "b", "c/1", "d", "e+f g", "é"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    r = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in r["Contents"]] == sorted(keys, key=lambda k: k.encode())
    assert r["KeyCount"] == len(keys) and not r["IsTruncated"]
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "c/"]
    assert [o["Key"] for o in r["Contents"]] == ["b", "d", "e+f g", "é"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"]
    seen, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=2, **kw)
        seen += [o["Key"] for o in r.get("Contents", [])]
        seen += [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        assert r["KeyCount"] <= 2
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert sorted(seen) == sorted(["a/", "b", "c/", "d", "e+f g", "é"])
    r = s3.list_objects_v2(Bucket=bucket, StartAfter="c/1")
    assert [o["Key"] for o in r["Contents"]] == ["d", "e+f g", "é"]
    # Asked for by the caller, the encoding is left to it (botocore decodes only what it asked).
    r = s3.list_objects_v2(Bucket=bucket, Prefix="e", EncodingType="url")
    assert [o["Key"] for o in r["Contents"]] == ["e%2Bf+g"]
    # ListObjects v1: botocore asks for url encoding itself and decodes it.
    assert "e+f g" in [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]]
    r = s3.list_objects_v2(Bucket=bucket, FetchOwner=True, MaxKeys=1)
    assert "ID" in r["Contents"][0]["Owner"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.list_objects_v2(Bucket=bucket, ContinuationToken="garbage")
    assert error_of(e) == "InvalidArgument"


def test_list_objects_v1_markers(s3, bucket):
    for k in ["p/1", "p/2", "q", "r"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.list_objects(Bucket=bucket, MaxKeys=2)
    assert [o["Key"] for o in r["Contents"]] == ["p/1", "p/2"] and r["IsTruncated"]
    assert "NextMarker" not in r
    r = s3.list_objects(Bucket=bucket, Marker="p/2")
    assert [o["Key"] for o in r["Contents"]] == ["q", "r"]
    r = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=1)
    assert r["CommonPrefixes"] == [{"Prefix": "p/"}] and r["NextMarker"] == "p/"
    r = s3.list_objects(Bucket=bucket, Delimiter="/", Marker="p/")
    assert [o["Key"] for o in r["Contents"]] == ["q", "r"] and "CommonPrefixes" not in r


# ---- multipart ----

MIB = 1024 * 1024


def test_multipart_upload(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="big", ContentType="application/x-big",
                                    Metadata={"k": "v"})
    uid = up["UploadId"]
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail"]
    etags = []
    for i, p in enumerate(parts, 1):
        etags.append(s3.upload_part(Bucket=bucket, Key="big", UploadId=uid, PartNumber=i,
                                    Body=p)["ETag"])
    listed = s3.list_parts(Bucket=bucket, Key="big", UploadId=uid)["Parts"]
    assert [p["Size"] for p in listed] == [5 * MIB, 5 * MIB, 4]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("big", uid)]
    # The object is not visible before Complete.
    with pytest.raises(botocore.exceptions.ClientError):
        s3.head_object(Bucket=bucket, Key="big")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="big", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": etags[1]},
                                       {"PartNumber": 1, "ETag": etags[0]}]})
    assert error_of(e) == "InvalidPartOrder"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="big", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"deadbeef"'}]})
    assert error_of(e) == "InvalidPart"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="big", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 3, "ETag": etags[2]},
                                       {"PartNumber": 4, "ETag": etags[2]}]})
    assert error_of(e) in ("InvalidPart", "EntityTooSmall")
    r = s3.complete_multipart_upload(
        Bucket=bucket, Key="big", UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": t} for i, t in enumerate(etags)]})
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    assert r["ETag"] == '"%s-3"' % hashlib.md5(md5s).hexdigest()
    whole = b"".join(parts)
    g = s3.get_object(Bucket=bucket, Key="big")
    assert g["Body"].read() == whole and g["ContentType"] == "application/x-big"
    assert g["Metadata"] == {"k": "v"}
    mid = s3.get_object(Bucket=bucket, Key="big", Range=f"bytes={5 * MIB - 3}-{5 * MIB + 2}")
    assert mid["Body"].read() == whole[5 * MIB - 3:5 * MIB + 3]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="big", UploadId=uid)
    assert error_of(e) == "NoSuchUpload"


def test_multipart_small_part_and_abort(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"small")["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="m", UploadId=uid, PartNumber=2, Body=b"last")["ETag"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="m", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                       {"PartNumber": 2, "ETag": e2}]})
    assert error_of(e) == "EntityTooSmall"
    s3.abort_multipart_upload(Bucket=bucket, Key="m", UploadId=uid)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"x")
    assert error_of(e) == "NoSuchUpload"
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_upload_part_copy(s3, bucket):
    src = os.urandom(6 * MIB)
    s3.put_object(Bucket=bucket, Key="source", Body=src)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="assembled")["UploadId"]
    p1 = s3.upload_part_copy(Bucket=bucket, Key="assembled", UploadId=uid, PartNumber=1,
                             CopySource=f"{bucket}/source",
                             CopySourceRange=f"bytes=0-{5 * MIB - 1}")["CopyPartResult"]["ETag"]
    p2 = s3.upload_part(Bucket=bucket, Key="assembled", UploadId=uid, PartNumber=2,
                        Body=b"end")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="assembled", UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1},
                                                            {"PartNumber": 2, "ETag": p2}]})
    got = s3.get_object(Bucket=bucket, Key="assembled")["Body"].read()
    assert got == src[:5 * MIB] + b"end"


# ---- encryption at rest ----

def test_object_bytes_are_encrypted_and_authenticated_at_rest(server, s3, bucket):
    secret = b"PLAINTEXT-MARKER-" + os.urandom(8).hex().encode()
    # Small objects are sealed inside the database; neither it nor its WAL holds the plaintext.
    s3.put_object(Bucket=bucket, Key="small-secret", Body=secret * 10)
    assert s3.get_object(Bucket=bucket, Key="small-secret")["Body"].read() == secret * 10
    for name in ("rampart.db", "rampart.db-wal"):
        path = os.path.join(server.data_dir, name)
        if os.path.exists(path):
            assert secret not in open(path, "rb").read()
    # Larger ones are files under s3/.
    s3.put_object(Bucket=bucket, Key="secret", Body=secret * 5000)
    root = os.path.join(server.data_dir, "s3")
    files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
             if os.path.basename(d) != "tmp"]
    assert files
    assert not any(secret in open(f, "rb").read() for f in files)
    # Altering the stored bytes is detected, never served.
    newest = max(files, key=os.path.getmtime)
    data = bytearray(open(newest, "rb").read())
    data[40] ^= 1
    open(newest, "wb").write(bytes(data))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="secret")
    assert status_of(e) == 500


# ---- policies, Block Public Access, anonymous and presigned access ----

def test_block_public_access_and_anonymous_reads(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"public text")
    url = f"{server.endpoint}/{bucket}/doc.txt"
    assert http(url)[0] == 403  # nothing public
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket))
    assert error_of(e) == "AccessDenied"
    assert "BlockPublicPolicy" in e.value.response["Error"]["Message"]
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(
        public_policy(bucket))
    # RestrictPublicBuckets still cuts anonymous access to a public bucket.
    assert http(url)[0] == 403
    s3.delete_public_access_block(Bucket=bucket)
    assert http(url) == (200, b"public text")
    # The policy grants GetObject only: listing and writing stay denied.
    assert http(f"{server.endpoint}/{bucket}")[0] == 403
    assert http(f"{server.endpoint}/{bucket}/new", method="PUT", data=b"x")[0] == 403
    # Virtual-hosted style names the bucket in the Host header.
    assert http(f"{server.endpoint}/doc.txt", headers={"Host": f"{bucket}.localhost"}) == (
        200, b"public text")
    s3.delete_bucket_policy(Bucket=bucket)
    assert http(url)[0] == 403


def test_policy_status_not_public_for_fixed_principal(server, s3, bucket):
    account = server.client("sts").get_caller_identity()["Account"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy='{"Version": "2012-10-17", "Statement": [{'
                             '"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", '
                             '"Resource": "arn:aws:s3:::another-bucket/*"}]}')
    assert error_of(e) == "MalformedPolicy"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy="not json")
    assert error_of(e) == "MalformedPolicy"


def test_presigned_get_and_put(server, bucket):
    s3 = server.client("s3", signature_version="s3v4")
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up"},
                                    ExpiresIn=300)
    assert subprocess.run(["curl", "-sf", "-X", "PUT", "--data-binary", "via curl", put],
                          capture_output=True).returncode == 0
    get = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up"})
    out = subprocess.run(["curl", "-sf", get], capture_output=True)
    assert out.returncode == 0 and out.stdout == b"via curl"
    # Tampering with the URL breaks the signature.
    status, body = http(get.replace("/up?", "/up2?"))
    assert status == 403 and b"SignatureDoesNotMatch" in body
    expired = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up"},
                                        ExpiresIn=1)
    time.sleep(2)
    status, body = http(expired)
    assert status == 403 and b"expired" in body
    # Signature Version 2 URLs are refused as S3 refuses them for new buckets.
    v2 = server.client("s3").generate_presigned_url("get_object",
                                                    Params={"Bucket": bucket, "Key": "up"})
    if "AWSAccessKeyId=" in v2:
        status, body = http(v2)
        assert status == 400 and b"AWS4-HMAC-SHA256" in body


def iam_user(server, name, policy=None):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("s3", key=k["AccessKeyId"], secret=k["SecretAccessKey"]), name


def test_iam_enforcement_matrix(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="reports/q1", Body=b"q1")
    s3.put_object(Bucket=bucket, Key="private/p", Body=b"p")
    nobody, _ = iam_user(server, f"s3-nobody-{bucket}")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        nobody.get_object(Bucket=bucket, Key="reports/q1")
    assert error_of(e) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        nobody.list_buckets()
    assert error_of(e) == "AccessDenied"
    reader, _ = iam_user(server, f"s3-reader-{bucket}", {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{bucket}/reports/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
             "Condition": {"StringLike": {"s3:prefix": "reports/*"}}}]})
    assert reader.get_object(Bucket=bucket, Key="reports/q1")["Body"].read() == b"q1"
    assert reader.head_object(Bucket=bucket, Key="reports/q1")["ContentLength"] == 2
    with pytest.raises(botocore.exceptions.ClientError):
        reader.get_object(Bucket=bucket, Key="private/p")
    assert [o["Key"] for o in reader.list_objects_v2(Bucket=bucket, Prefix="reports/")
            ["Contents"]] == ["reports/q1"]
    with pytest.raises(botocore.exceptions.ClientError):
        reader.list_objects_v2(Bucket=bucket)  # s3:prefix "" does not match
    with pytest.raises(botocore.exceptions.ClientError):
        reader.put_object(Bucket=bucket, Key="reports/q2", Body=b"x")
    # A bucket policy naming the user grants on its own (same account)...
    account = server.client("sts").get_caller_identity()["Account"]
    writer_arn = f"arn:aws:iam::{account}:user/s3-nobody-{bucket}"
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": writer_arn}, "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{bucket}/inbox/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{bucket}/reports/*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    nobody.put_object(Bucket=bucket, Key="inbox/1", Body=b"dropped")
    with pytest.raises(botocore.exceptions.ClientError):
        nobody.put_object(Bucket=bucket, Key="elsewhere", Body=b"x")
    # ...and an explicit Deny in it beats the reader's Allow (plain HTTP here), even the root's.
    with pytest.raises(botocore.exceptions.ClientError):
        reader.get_object(Bucket=bucket, Key="reports/q1")
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_object(Bucket=bucket, Key="reports/q1")
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="inbox/1")["Body"].read() == b"dropped"


def test_data_events_stay_out_of_event_history(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="quiet", Body=b"x")
    s3.get_object(Bucket=bucket, Key="quiet")
    ct = server.client("cloudtrail")
    names = set()
    for ev in ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventSource",
                                                  "AttributeValue": "s3.amazonaws.com"}],
                               MaxResults=50)["Events"]:
        names.add(ev["EventName"])
    assert "CreateBucket" in names
    assert not names & {"PutObject", "GetObject"}


# ---- crash safety and persistence ----

def test_objects_survive_restart_and_kill_9_never_exposes_partial(tmp_path):
    a = Server(data_dir=str(tmp_path)).start()
    c = a.client("s3")
    c.create_bucket(Bucket="durable-bucket")
    c.put_object(Bucket="durable-bucket", Key="kept", Body=b"acknowledged")
    # Uploads in flight when the server is killed.
    script = (
        "import boto3,os,sys\n"
        f"c=boto3.client('s3',endpoint_url='{a.endpoint}',region_name='us-east-1',"
        f"aws_access_key_id='{a.credentials()[0]}',aws_secret_access_key='{a.credentials()[1]}')\n"
        "i=0\n"
        "while True:\n"
        "  d=os.urandom(3*1024*1024)\n"
        "  try: c.put_object(Bucket='durable-bucket',Key=f'k{i}',Body=d,Metadata={'md5':__import__('hashlib').md5(d).hexdigest()})\n"
        "  except Exception: sys.exit(0)\n"
        "  i+=1\n")
    writer = subprocess.Popen(["/usr/bin/python3", "-c", script])
    time.sleep(2.0)
    a.stop(signal.SIGKILL)
    writer.wait(timeout=30)
    a.cleanup()
    b = Server(data_dir=str(tmp_path)).start()
    try:
        c = b.client("s3")
        assert c.get_object(Bucket="durable-bucket", Key="kept")["Body"].read() == b"acknowledged"
        objs = c.list_objects_v2(Bucket="durable-bucket").get("Contents", [])
        assert len(objs) >= 2
        for o in objs:
            if o["Key"] == "kept":
                continue
            g = c.get_object(Bucket="durable-bucket", Key=o["Key"])
            assert hashlib.md5(g["Body"].read()).hexdigest() == g["Metadata"]["md5"]
        assert not os.listdir(os.path.join(str(tmp_path), "s3", "tmp"))
    finally:
        b.cleanup()


# ---- the stock aws CLI v2 ----

def test_cli_v2_cp_sync_ls_100mb(server, tmp_path):
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        for _ in range(100):
            f.write(os.urandom(MIB))
    want = hashlib.md5(big.read_bytes()).hexdigest()
    assert server.cli("s3", "mb", "s3://cli-bucket-1").returncode == 0
    r = server.cli("s3", "cp", str(big), "s3://cli-bucket-1/data/big.bin")
    assert r.returncode == 0, r.stderr
    head = json.loads(server.cli("s3api", "head-object", "--bucket", "cli-bucket-1",
                                 "--key", "data/big.bin").stdout)
    assert head["ContentLength"] == 100 * MIB and head["ETag"].endswith('-13"')
    back = tmp_path / "back.bin"
    # Large bodies are streamed: downloading 100 MB must not grow the server by the object.
    status = f"/proc/{server.proc.pid}/status"
    with open(f"/proc/{server.proc.pid}/clear_refs", "w") as f:
        f.write("5")  # resets the peak resident size (VmHWM)
    rss_before = int(re.search(r"VmRSS:\s+(\d+)", open(status).read()).group(1))
    r = server.cli("s3", "cp", "s3://cli-bucket-1/data/big.bin", str(back))
    assert r.returncode == 0, r.stderr
    assert hashlib.md5(back.read_bytes()).hexdigest() == want
    peak = int(re.search(r"VmHWM:\s+(\d+)", open(status).read()).group(1))
    assert peak - rss_before < 48 * 1024, (rss_before, peak)  # KiB: far below the 100 MB read
    s3 = server.client("s3")
    whole = s3.get_object(Bucket="cli-bucket-1", Key="data/big.bin")["Body"].read()
    assert hashlib.md5(whole).hexdigest() == want
    part = s3.get_object(Bucket="cli-bucket-1", Key="data/big.bin",
                         Range="bytes=8388000-12000000")["Body"].read()
    assert part == big.read_bytes()[8388000:12000001]
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "sub" / "b.txt").write_text("b")
    r = server.cli("s3", "sync", str(src), "s3://cli-bucket-1/tree")
    assert r.returncode == 0, r.stderr
    listing = server.cli("s3", "ls", "--recursive", "s3://cli-bucket-1/tree/").stdout
    assert "tree/a.txt" in listing and "tree/sub/b.txt" in listing
    r = server.cli("s3", "rm", "--recursive", "s3://cli-bucket-1/")
    assert r.returncode == 0, r.stderr
    assert server.cli("s3", "rb", "s3://cli-bucket-1").returncode == 0


# ---- a newer boto3 (the pyenv Python's): default CRC32 checksums, aws-chunked over HTTPS ----

NEWER_BOTO3 = r"""
import boto3, botocore.config, hashlib, io, json, os, sys
endpoint, key, secret = sys.argv[1:4]
c = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                 aws_secret_access_key=secret, verify=False,
                 config=botocore.config.Config(retries={"max_attempts": 1}))
out = {"sha256": []}
def seen(request, **kw):
    v = request.headers.get("x-amz-content-sha256")
    out["sha256"].append(v.decode() if isinstance(v, bytes) else v)
c.meta.events.register("before-send.s3.PutObject", seen)
c.create_bucket(Bucket="newer-boto3")
r = c.put_object(Bucket="newer-boto3", Key="small", Body=b"checked by default")
out["put_crc32"] = r.get("ChecksumCRC32")
g = c.get_object(Bucket="newer-boto3", Key="small")  # validates the CRC32 it gets back
out["small"] = g["Body"].read().decode()
out["range"] = c.get_object(Bucket="newer-boto3", Key="small", Range="bytes=0-6")["Body"].read().decode()
data = os.urandom(12 * 1024 * 1024)
c.upload_fileobj(io.BytesIO(data), "newer-boto3", "multi",
                 Config=boto3.s3.transfer.TransferConfig(multipart_threshold=5 * 1024 * 1024,
                                                         multipart_chunksize=5 * 1024 * 1024))
buf = io.BytesIO()
c.download_fileobj("newer-boto3", "multi", buf)
out["multi_ok"] = hashlib.md5(buf.getvalue()).hexdigest() == hashlib.md5(data).hexdigest()
# A non-seekable body makes botocore stream it aws-chunked with a trailing checksum (HTTPS).
class Stream(io.RawIOBase):
    def __init__(self, b): self.b = io.BytesIO(b)
    def readable(self): return True
    def readinto(self, m):
        d = self.b.read(len(m)); m[:len(d)] = d; return len(d)
streamed = os.urandom(100000)
c.put_object(Bucket="newer-boto3", Key="streamed", Body=Stream(streamed), ContentLength=len(streamed))
out["streamed_ok"] = c.get_object(Bucket="newer-boto3", Key="streamed")["Body"].read() == streamed
h = c.head_object(Bucket="newer-boto3", Key="streamed", ChecksumMode="ENABLED")
out["streamed_crc32"] = h.get("ChecksumCRC32")
import zlib, base64
out["streamed_crc32_want"] = base64.b64encode(zlib.crc32(streamed).to_bytes(4, "big")).decode()
print(json.dumps(out))
"""


def test_newer_boto3_checksums_multipart_and_aws_chunked(make_server, tmp_path):
    from test_cloudwatch_json import newer_python
    py = newer_python()
    if not py:
        pytest.skip("no pyenv Python with a newer boto3 on this machine")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    s = make_server("--tls-cert", str(cert), "--tls-key", str(key))
    k, secret = s.credentials()
    r = subprocess.run([py, "-W", "ignore", "-c", NEWER_BOTO3, s.endpoint, k, secret],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    assert out["put_crc32"]  # the SDK sent a checksum and the server kept it
    assert out["small"] == "checked by default" and out["range"] == "checked"
    assert out["multi_ok"] and out["streamed_ok"]
    # The streamed upload went aws-chunked, and its trailing CRC32 was checked and kept.
    assert "STREAMING-UNSIGNED-PAYLOAD-TRAILER" in out["sha256"], out["sha256"]
    assert out["streamed_crc32"] == out["streamed_crc32_want"]


def test_bucket_policy_conditions_on_encryption_and_source_ip(server, s3, bucket):
    # AWS's documented pattern: refuse uploads that do not ask for SSE-S3.
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "RequireAES256", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{bucket}/*",
             "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}},
            {"Sid": "OnlyFromElsewhere", "Effect": "Deny", "Principal": "*",
             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/ip/*",
             "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}]}))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert error_of(e) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=bucket, Key="plain", Body=b"x", ServerSideEncryption="aws:kms")
    assert error_of(e) == "AccessDenied"  # the policy decides before the unsupported mode
    s3.put_object(Bucket=bucket, Key="ip/x", Body=b"x", ServerSideEncryption="AES256")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="ip/x")  # the test runs from 127.0.0.1
    assert error_of(e) == "AccessDenied"
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="ip/x")["Body"].read() == b"x"


# ---- versioning ----

def test_versioning_versions_delete_markers_and_listing(s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc", Body=b"before versioning")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    v1 = s3.put_object(Bucket=bucket, Key="doc", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="doc", Body=b"two")["VersionId"]
    assert v1 != v2 and v1 != "null"
    assert s3.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"two"
    assert s3.get_object(Bucket=bucket, Key="doc", VersionId=v1)["Body"].read() == b"one"
    assert s3.get_object(Bucket=bucket, Key="doc", VersionId="null")["Body"].read() == \
        b"before versioning"
    assert s3.head_object(Bucket=bucket, Key="doc")["VersionId"] == v2
    # A delete without a version adds a marker; the data stays.
    d = s3.delete_object(Bucket=bucket, Key="doc")
    assert d["DeleteMarker"] is True and d["VersionId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="doc")
    assert error_of(e) == "NoSuchKey"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="doc", VersionId=d["VersionId"])
    assert status_of(e) == 405
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    lv = s3.list_object_versions(Bucket=bucket)
    assert [(v["VersionId"], v["IsLatest"]) for v in lv["Versions"]] == [
        (v2, False), (v1, False), ("null", False)]
    assert [(m["VersionId"], m["IsLatest"]) for m in lv["DeleteMarkers"]] == [
        (d["VersionId"], True)]
    # Deleting the marker itself brings the newest version back.
    s3.delete_object(Bucket=bucket, Key="doc", VersionId=d["VersionId"])
    assert s3.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"two"
    # Deleting a version for good.
    s3.delete_object(Bucket=bucket, Key="doc", VersionId=v1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="doc", VersionId=v1)
    assert error_of(e) == "NoSuchVersion"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert error_of(e) == "BucketNotEmpty"
    # Paging through versions.
    for i in range(3):
        s3.put_object(Bucket=bucket, Key="page", Body=str(i).encode())
    seen, kw = [], {}
    while True:
        page = s3.list_object_versions(Bucket=bucket, Prefix="page", MaxKeys=2, **kw)
        seen += [v["VersionId"] for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        kw = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
    assert len(seen) == 3 and len(set(seen)) == 3


def test_versioning_suspended_replaces_the_null_version(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"kept")["VersionId"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"n1")["VersionId"] == "null"
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"n2")["VersionId"] == "null"
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [v["VersionId"] for v in versions] == ["null", kept]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"n2"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Off"})
    assert status_of(e) == 400


# ---- CORS ----

def test_cors_configuration_preflight_and_response_headers(server, s3, bucket):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_of(e) == "NoSuchCORSConfiguration"
    url = f"{server.endpoint}/{bucket}/page.html"
    pre = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}
    status, body = http(url, method="OPTIONS", headers=pre)
    assert status == 403 and b"CORS is not enabled" in body
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
            {"AllowedMethods": ["PATCH"], "AllowedOrigins": ["*"]}]})
    assert error_of(e) == "InvalidRequest"
    rules = [{"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["https://*.example.com"],
              "AllowedHeaders": ["x-amz-*", "content-type"], "ExposeHeaders": ["ETag"],
              "MaxAgeSeconds": 600}]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    got = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert got[0]["AllowedOrigins"] == ["https://*.example.com"] and got[0]["MaxAgeSeconds"] == 600
    req = urllib.request.Request(url, method="OPTIONS", headers=dict(
        pre, **{"Access-Control-Request-Headers": "X-Amz-Date, Content-Type"}))
    with urllib.request.urlopen(req) as r:
        assert r.status == 200
        assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert "GET" in r.headers["Access-Control-Allow-Methods"]
        assert r.headers["Access-Control-Max-Age"] == "600"
    for bad in ({"Origin": "https://evil.test", "Access-Control-Request-Method": "GET"},
                dict(pre, **{"Access-Control-Request-Method": "PUT"}),
                dict(pre, **{"Access-Control-Request-Headers": "authorization"})):
        assert http(url, method="OPTIONS", headers=bad)[0] == 403
    # An actual request with a matching Origin carries the CORS headers.
    s3.put_object(Bucket=bucket, Key="page.html", Body=b"<p>")
    seen = {}

    def add_origin(request, **kw):
        request.headers["Origin"] = "https://app.example.com"

    def keep(http_response, **kw):
        seen.update(http_response.headers)
    s3.meta.events.register("before-sign.s3.GetObject", add_origin)
    s3.meta.events.register("after-call.s3.GetObject", keep)
    try:
        s3.get_object(Bucket=bucket, Key="page.html")
    finally:
        s3.meta.events.unregister("before-sign.s3.GetObject", add_origin)
        s3.meta.events.unregister("after-call.s3.GetObject", keep)
    assert seen.get("Access-Control-Allow-Origin") == "https://app.example.com"
    assert seen.get("Access-Control-Expose-Headers") == "ETag"
    s3.delete_bucket_cors(Bucket=bucket)
    assert http(url, method="OPTIONS", headers=pre)[0] == 403


# ---- lifecycle (a lifecycle "day" is 2 s here: RAMPART_S3_DAY_SECONDS) ----

def test_lifecycle_really_expires(make_server):
    server = make_server(env={"RAMPART_S3_DAY_SECONDS": "2"})
    s3 = server.client("s3")
    s3.create_bucket(Bucket="lifecycle-bucket")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_bucket_lifecycle_configuration(Bucket="lifecycle-bucket")
    assert error_of(e) == "NoSuchLifecycleConfiguration"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_lifecycle_configuration(Bucket="lifecycle-bucket", LifecycleConfiguration={
            "Rules": [{"ID": "x", "Status": "Enabled", "Filter": {"Prefix": ""},
                       "Expiration": {"Days": 0}}]})
    assert error_of(e) == "InvalidArgument"
    s3.put_bucket_versioning(Bucket="lifecycle-bucket",
                             VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket="lifecycle-bucket", LifecycleConfiguration={
        "Rules": [
            {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
             "Expiration": {"Days": 1}},
            {"ID": "old-versions", "Status": "Enabled", "Filter": {"Prefix": "doc"},
             "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
            {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]})
    rules = s3.get_bucket_lifecycle_configuration(Bucket="lifecycle-bucket")["Rules"]
    assert [r["ID"] for r in rules] == ["tmp", "old-versions", "uploads"]
    s3.put_object(Bucket="lifecycle-bucket", Key="tmp/scratch", Body=b"x")
    s3.put_object(Bucket="lifecycle-bucket", Key="keep/me", Body=b"x")
    s3.put_object(Bucket="lifecycle-bucket", Key="doc", Body=b"v1")
    s3.put_object(Bucket="lifecycle-bucket", Key="doc", Body=b"v2")
    s3.create_multipart_upload(Bucket="lifecycle-bucket", Key="stale")

    def swept():
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lifecycle-bucket").get("Contents", [])]
        versions = s3.list_object_versions(Bucket="lifecycle-bucket", Prefix="doc")["Versions"]
        uploads = s3.list_multipart_uploads(Bucket="lifecycle-bucket").get("Uploads", [])
        return "tmp/scratch" not in keys and len(versions) == 1 and not uploads

    deadline = time.time() + 20
    while time.time() < deadline and not swept():
        time.sleep(0.5)
    assert swept()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lifecycle-bucket")["Contents"]]
    assert "keep/me" in keys and "doc" in keys
    assert s3.get_object(Bucket="lifecycle-bucket", Key="doc")["Body"].read() == b"v2"
    # In a versioned bucket expiry of a current version leaves a delete marker.
    markers = s3.list_object_versions(Bucket="lifecycle-bucket", Prefix="tmp/")["DeleteMarkers"]
    assert markers and markers[0]["IsLatest"]
    s3.delete_bucket_lifecycle(Bucket="lifecycle-bucket")
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_bucket_lifecycle_configuration(Bucket="lifecycle-bucket")


def test_bucket_policy_on_signature_keys(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "NoPresignedUrls", "Effect": "Deny", "Principal": "*",
             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
             "Condition": {"StringEquals": {"s3:authType": "REST-QUERY-STRING"}}},
            {"Sid": "SignedPayloadsOnly", "Effect": "Deny", "Principal": "*",
             "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*",
             "Condition": {"StringEquals": {"s3:x-amz-content-sha256": "UNSIGNED-PAYLOAD"}}}]}))
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"  # header-signed
    v4 = server.client("s3", signature_version="s3v4")
    url = v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    assert http(url)[0] == 403
    put = v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "p"})
    assert http(put, method="PUT", data=b"x")[0] == 403  # presigned PUTs are UNSIGNED-PAYLOAD
    s3.put_object(Bucket=bucket, Key="p", Body=b"signed")  # botocore signs the body over HTTP
    s3.delete_bucket_policy(Bucket=bucket)
    assert http(url) == (200, b"x")


def test_object_limits(s3, bucket):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert error_of(e) == "KeyTooLongError"
    s3.put_object(Bucket=bucket, Key="k" * 1024, Body=b"x")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata={"big": "v" * 2100})
    assert error_of(e) == "MetadataTooLarge"


def test_upload_part_copy_from_a_version(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="src", Body=b"old" * 10)["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"new" * 10)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    etag = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                               CopySource={"Bucket": bucket, "Key": "src", "VersionId": old}
                               )["CopyPartResult"]["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"old" * 10


def test_list_object_versions_with_a_delimiter(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for key in ("a.txt", "photos/1.jpg", "photos/2.jpg", "videos/1.mp4", "z.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
        s3.put_object(Bucket=bucket, Key=key, Body=b"2")
    out = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["photos/", "videos/"]
    assert sorted({v["Key"] for v in out["Versions"]}) == ["a.txt", "z.txt"]
    assert len(out["Versions"]) == 4 and out["Delimiter"] == "/"
    # Paging: a common prefix counts once toward MaxKeys, and a marker that is one starts past it.
    seen, marker, vmarker = [], "", ""
    while True:
        kw = {"KeyMarker": marker} if marker else {}
        if vmarker:
            kw["VersionIdMarker"] = vmarker
        page = s3.list_object_versions(Bucket=bucket, Delimiter="/", MaxKeys=1, **kw)
        seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        seen += [v["Key"] + ":" + v["VersionId"][:4] for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        marker, vmarker = page["NextKeyMarker"], page.get("NextVersionIdMarker", "")
    assert [s.split(":")[0] for s in seen] == ["a.txt", "a.txt", "photos/", "videos/", "z.txt", "z.txt"]
    inner = s3.list_object_versions(Bucket=bucket, Prefix="photos/", Delimiter="/")
    assert "CommonPrefixes" not in inner and len(inner["Versions"]) == 4


def test_header_only_answers_carry_only_the_objects_content_type(server, s3, bucket):
    # HeadObject's members are all headers: its answer has no body and no Content-Type but the
    # object's own (it once also said application/xml, which clients joined into one value).
    s3.put_object(Bucket=bucket, Key="typed", Body=b"x", ContentType="text/plain")
    head = s3.head_object(Bucket=bucket, Key="typed")
    assert head["ContentType"] == "text/plain"
    assert head["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "text/plain"
    put = s3.put_object(Bucket=bucket, Key="typed2", Body=b"y")
    assert "content-type" not in put["ResponseMetadata"]["HTTPHeaders"]


def test_get_and_head_one_part_by_number(s3, bucket):
    parts = [os.urandom(5 * 1024 * 1024), os.urandom(5 * 1024 * 1024), b"tail-bytes"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    etags = [s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=i + 1,
                            Body=p)["ETag"] for i, p in enumerate(parts)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    second = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)
    assert second["Body"].read() == parts[1]
    assert second["ResponseMetadata"]["HTTPStatusCode"] == 206 and second["PartsCount"] == 3
    n = 5 * 1024 * 1024
    assert second["ContentRange"] == f"bytes {n}-{2 * n - 1}/{2 * n + 10}"
    head = s3.head_object(Bucket=bucket, Key="mp", PartNumber=3)
    assert head["ContentLength"] == 10 and head["PartsCount"] == 3
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="mp", PartNumber=4)
    assert error_of(e) == "InvalidPartNumber" and status_of(e) == 416
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="mp", PartNumber=1, Range="bytes=0-1")
    assert error_of(e) == "InvalidRequest"
    # An object put whole is one part.
    s3.put_object(Bucket=bucket, Key="whole", Body=b"0123456789")
    assert s3.get_object(Bucket=bucket, Key="whole", PartNumber=1)["Body"].read() == b"0123456789"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="whole", PartNumber=2)
    assert error_of(e) == "InvalidPartNumber"
