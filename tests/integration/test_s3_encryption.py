"""S3 encryption modes on the real server: SSE-C (customer-provided keys) on PutObject, GetObject,
HeadObject, CopyObject and multipart uploads, with S3's errors; what stays on disk; SSE-KMS
through Rampart KMS with the caller's permissions, the AWS managed key and bucket defaults."""
import base64
import hashlib
import json
import os

import botocore.exceptions
import pytest


def error_of(exc_info):
    return exc_info.value.response["Error"]["Code"], exc_info.value.response["Error"].get("Message")


def status_of(exc_info):
    return exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def s3(server):
    return server.client("s3")


_n = [0]


@pytest.fixture
def bucket(s3):
    _n[0] += 1
    name = f"enc-{os.getpid()}-{_n[0]}"
    s3.create_bucket(Bucket=name)
    return name


KEY = os.urandom(32)
OTHER = os.urandom(32)


def ssec(key=KEY):
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def copy_ssec(key=KEY):
    return {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key}


def key_md5(key=KEY):
    return base64.b64encode(hashlib.md5(key).digest()).decode()


def test_sse_c_put_get_head_and_the_wrong_or_missing_key(s3, bucket):
    body = b"customer-encrypted " * 100
    put = s3.put_object(Bucket=bucket, Key="o", Body=body, **ssec())
    assert put["SSECustomerAlgorithm"] == "AES256"
    assert put["SSECustomerKeyMD5"] == key_md5()
    assert "ServerSideEncryption" not in put
    # The ETag is not the MD5 of the data (it would let anyone test a guess at the contents).
    assert put["ETag"].strip('"') != hashlib.md5(body).hexdigest()

    got = s3.get_object(Bucket=bucket, Key="o", **ssec())
    assert got["Body"].read() == body
    assert got["SSECustomerKeyMD5"] == key_md5()
    assert got["ETag"] == put["ETag"]
    part = s3.get_object(Bucket=bucket, Key="o", Range="bytes=5-20", **ssec())
    assert part["Body"].read() == body[5:21]
    head = s3.head_object(Bucket=bucket, Key="o", **ssec())
    assert head["ContentLength"] == len(body) and head["SSECustomerAlgorithm"] == "AES256"

    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="o")
    assert status_of(e) == 400
    assert error_of(e) == ("InvalidRequest", "The object was stored using a form of Server Side "
                           "Encryption. The correct parameters must be provided to retrieve the object.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.head_object(Bucket=bucket, Key="o")
    assert status_of(e) == 400
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="o", **ssec(OTHER))
    assert status_of(e) == 403 and error_of(e)[0] == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.head_object(Bucket=bucket, Key="o", **ssec(OTHER))
    assert status_of(e) == 403

    # A key presented for an object that has none.
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="plain", **ssec())
    assert error_of(e) == ("InvalidRequest", "The encryption parameters are not applicable to this object.")
    assert s3.get_object(Bucket=bucket, Key="plain")["ServerSideEncryption"] == "AES256"


def test_sse_c_large_object_is_streamed_and_range_read(s3, bucket):
    body = os.urandom(3 * 1024 * 1024 + 17)  # past the inline limit and the streaming threshold
    s3.put_object(Bucket=bucket, Key="big", Body=body, **ssec())
    assert s3.get_object(Bucket=bucket, Key="big", **ssec())["Body"].read() == body
    r = s3.get_object(Bucket=bucket, Key="big", Range="bytes=1048570-2097160", **ssec())
    assert r["Body"].read() == body[1048570:2097161]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="big", **ssec(OTHER))
    assert status_of(e) == 403


def test_sse_c_request_errors(s3, bucket):
    def put_raw(headers):
        def add(request, **_):
            for k, v in headers.items():
                request.headers[k] = v
        s3.meta.events.register_first("before-sign.s3.PutObject", add)
        try:
            s3.put_object(Bucket=bucket, Key="bad", Body=b"x")
        finally:
            s3.meta.events.unregister("before-sign.s3.PutObject", add)

    good = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
            "x-amz-server-side-encryption-customer-key": base64.b64encode(KEY).decode(),
            "x-amz-server-side-encryption-customer-key-MD5": key_md5()}
    cases = [
        ({**good, "x-amz-server-side-encryption-customer-key-MD5": key_md5(OTHER)},
         "InvalidArgument", "The calculated MD5 hash of the key did not match the hash that was provided."),
        ({**good, "x-amz-server-side-encryption-customer-algorithm": "AES128"},
         "InvalidEncryptionAlgorithmError",
         "The encryption request you specified is not valid. The valid value is AES256."),
        ({**good, "x-amz-server-side-encryption-customer-key": base64.b64encode(b"short").decode(),
          "x-amz-server-side-encryption-customer-key-MD5": key_md5(b"short")},
         "InvalidArgument", "The secret key was invalid for the specified algorithm."),
        ({k: v for k, v in good.items() if not k.endswith("-key")},
         "InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys "
         "must provide an appropriate secret key."),
        ({**good, "x-amz-server-side-encryption": "AES256"}, "InvalidArgument",
         "Server Side Encryption with Customer provided key is incompatible with the encryption "
         "method specified"),
    ]
    for headers, code, message in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            put_raw(headers)
        assert status_of(e) == 400, headers
        assert error_of(e) == (code, message), headers
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.head_object(Bucket=bucket, Key="bad")
    assert status_of(e) == 404  # nothing was stored


def test_sse_c_copy_between_modes(s3, bucket):
    body = b"copy me " * 50
    s3.put_object(Bucket=bucket, Key="src", Body=body, **ssec())
    # Without the source key the copy is refused.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert status_of(e) == 400
    # SSE-C -> SSE-S3.
    out = s3.copy_object(Bucket=bucket, Key="plain", CopySource={"Bucket": bucket, "Key": "src"},
                         **copy_ssec())
    assert out["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="plain")["Body"].read() == body
    # SSE-S3 -> SSE-C under another key; and re-keying an object in place.
    out = s3.copy_object(Bucket=bucket, Key="rekeyed", CopySource={"Bucket": bucket, "Key": "plain"},
                         **ssec(OTHER))
    assert out["SSECustomerKeyMD5"] == key_md5(OTHER)
    assert s3.get_object(Bucket=bucket, Key="rekeyed", **ssec(OTHER))["Body"].read() == body
    s3.copy_object(Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src"},
                   **copy_ssec(), **ssec(OTHER))
    assert s3.get_object(Bucket=bucket, Key="src", **ssec(OTHER))["Body"].read() == body
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="src", **ssec())
    assert status_of(e) == 403


def test_sse_c_multipart_upload(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", **ssec())
    assert up["SSECustomerKeyMD5"] == key_md5()
    uid = up["UploadId"]
    p1, p2 = os.urandom(5 * 1024 * 1024), os.urandom(1000)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=p1)
    assert error_of(e)[0] == "InvalidRequest"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=p1, **ssec(OTHER))
    assert error_of(e)[0] == "InvalidArgument"
    e1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=p1, **ssec())
    assert e1["SSECustomerKeyMD5"] == key_md5()
    # A part copied from an SSE-S3 object into the SSE-C upload.
    s3.put_object(Bucket=bucket, Key="tail", Body=p2)
    e2 = s3.upload_part_copy(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "tail"}, **ssec())
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1["ETag"]},
                                   {"PartNumber": 2, "ETag": e2["CopyPartResult"]["ETag"]}]})
    assert done["ETag"].endswith('-2"')
    assert s3.get_object(Bucket=bucket, Key="mp", **ssec())["Body"].read() == p1 + p2
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="mp")
    assert status_of(e) == 400
    # An SSE-S3 upload refuses customer keys on its parts.
    plain = s3.create_multipart_upload(Bucket=bucket, Key="mp2")["UploadId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="mp2", UploadId=plain, PartNumber=1, Body=b"x", **ssec())
    assert error_of(e)[0] == "InvalidRequest"


def test_sse_c_key_is_not_stored(server, s3, bucket):
    body = b"SSE-C-MARKER-" + os.urandom(8).hex().encode()
    s3.put_object(Bucket=bucket, Key="small", Body=body, **ssec())
    s3.put_object(Bucket=bucket, Key="large", Body=body * 20000, **ssec())
    needles = [KEY, base64.b64encode(KEY), body]
    paths = [os.path.join(d, f) for d, _, fs in os.walk(server.data_dir) for f in fs]
    for path in paths:
        data = open(path, "rb").read()
        for needle in needles:
            assert needle not in data, (path, needle[:8])


def test_sse_c_needs_tls_off_this_machine(make_server):
    # Behind a trusted proxy, a caller elsewhere (X-Forwarded-For) sending its key over plain
    # HTTP is refused, as AWS refuses SSE-C without TLS.
    srv = make_server("--trusted-proxy", "127.0.0.0/8")
    s3 = srv.client("s3")
    s3.create_bucket(Bucket="tls-bucket")

    def forwarded(request, **_):
        request.headers["X-Forwarded-For"] = "203.0.113.7"
    s3.meta.events.register_first("before-sign.s3.PutObject", forwarded)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket="tls-bucket", Key="k", Body=b"x", **ssec())
    assert status_of(e) == 400
    assert error_of(e) == ("InvalidRequest", "Requests specifying Server Side Encryption with "
                           "Customer provided keys must be made over a secure connection.")
    s3.put_object(Bucket="tls-bucket", Key="k", Body=b"x")  # without a key: fine


# ---- SSE-KMS ----

@pytest.fixture(scope="module")
def kms(server):
    return server.client("kms")


def test_sse_kms_with_a_customer_managed_key(s3, kms, bucket):
    key = kms.create_key()["KeyMetadata"]
    body = b"kms-protected " * 100
    put = s3.put_object(Bucket=bucket, Key="o", Body=body, ServerSideEncryption="aws:kms",
                        SSEKMSKeyId=key["KeyId"])
    assert put["ServerSideEncryption"] == "aws:kms"
    assert put["SSEKMSKeyId"] == key["Arn"]
    got = s3.get_object(Bucket=bucket, Key="o")
    assert got["Body"].read() == body
    assert got["ServerSideEncryption"] == "aws:kms" and got["SSEKMSKeyId"] == key["Arn"]
    assert s3.head_object(Bucket=bucket, Key="o")["SSEKMSKeyId"] == key["Arn"]
    big = os.urandom(2 * 1024 * 1024 + 5)
    s3.put_object(Bucket=bucket, Key="big", Body=big, ServerSideEncryption="aws:kms",
                  SSEKMSKeyId=key["Arn"])
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == big
    # Reads go through KMS: a disabled key makes the object unreadable until it is enabled.
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="o")
    assert status_of(e) == 400 and error_of(e)[0] == "KMS.DisabledException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=bucket, Key="o2", Body=b"x", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=key["KeyId"])
    assert error_of(e)[0] == "KMS.DisabledException"
    kms.enable_key(KeyId=key["KeyId"])
    assert s3.get_object(Bucket=bucket, Key="o")["Body"].read() == body
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=bucket, Key="o3", Body=b"x", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId="11111111-2222-3333-4444-555555555555")
    assert status_of(e) == 400 and error_of(e)[0] == "KMS.NotFoundException"
    # The encryption context binds the data key to the object: the stored blob does not decrypt
    # without it.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket=bucket, Key="o4", Body=b"x", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=key["KeyId"], SSEKMSEncryptionContext="not base64 json")
    assert error_of(e)[0] == "InvalidArgument"
    ctx = base64.b64encode(b'{"project":"rampart"}').decode()
    s3.put_object(Bucket=bucket, Key="o5", Body=b"ctx", ServerSideEncryption="aws:kms",
                  SSEKMSKeyId=key["KeyId"], SSEKMSEncryptionContext=ctx)
    assert s3.get_object(Bucket=bucket, Key="o5")["Body"].read() == b"ctx"


def test_sse_kms_without_a_key_uses_the_aws_managed_key(s3, kms, bucket):
    put = s3.put_object(Bucket=bucket, Key="m", Body=b"managed", ServerSideEncryption="aws:kms")
    managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert managed["KeyManager"] == "AWS"
    assert put["SSEKMSKeyId"] == managed["Arn"]
    put2 = s3.put_object(Bucket=bucket, Key="m2", Body=b"again", ServerSideEncryption="aws:kms")
    assert put2["SSEKMSKeyId"] == managed["Arn"]  # made once
    names = [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
    assert names.count("alias/aws/s3") == 1
    entry = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/aws/s3"][0]
    assert entry["TargetKeyId"] == managed["KeyId"]
    assert s3.get_object(Bucket=bucket, Key="m")["Body"].read() == b"managed"


def test_sse_kms_needs_the_callers_kms_permissions(server, s3, kms, bucket):
    iam = server.client("iam")
    name = f"s3-only-{os.getpid()}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    ak = iam.create_access_key(UserName=name)["AccessKey"]
    user_s3 = server.client("s3", key=ak["AccessKeyId"], secret=ak["SecretAccessKey"])
    key = kms.create_key()["KeyMetadata"]  # default key policy: IAM policies decide
    s3.put_object(Bucket=bucket, Key="by-root", Body=b"root wrote", ServerSideEncryption="aws:kms",
                  SSEKMSKeyId=key["KeyId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user_s3.put_object(Bucket=bucket, Key="u", Body=b"x", ServerSideEncryption="aws:kms",
                           SSEKMSKeyId=key["KeyId"])
    assert status_of(e) == 403 and error_of(e)[0] == "AccessDenied"
    assert "kms:GenerateDataKey" in error_of(e)[1]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user_s3.get_object(Bucket=bucket, Key="by-root")
    assert status_of(e) == 403 and "kms:Decrypt" in error_of(e)[1]
    # The AWS managed key's policy lets every principal of the account use it through S3.
    user_s3.put_object(Bucket=bucket, Key="managed", Body=b"ok", ServerSideEncryption="aws:kms")
    assert user_s3.get_object(Bucket=bucket, Key="managed")["Body"].read() == b"ok"
    # KMS permissions that hold only through S3 (kms:ViaService) are enough for S3.
    iam.put_user_policy(UserName=name, PolicyName="kms-via-s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                       "Resource": key["Arn"],
                       "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}]}))
    assert user_s3.get_object(Bucket=bucket, Key="by-root")["Body"].read() == b"root wrote"
    user_kms = server.client("kms", key=ak["AccessKeyId"], secret=ak["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as e:  # but not directly
        user_kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
    assert error_of(e)[0] == "AccessDeniedException"


def test_bucket_default_encryption_with_kms(s3, kms, bucket):
    key = kms.create_key()["KeyMetadata"]
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]},
        "BucketKeyEnabled": True}]})
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key["Arn"]
    put = s3.put_object(Bucket=bucket, Key="d", Body=b"default")
    assert put["ServerSideEncryption"] == "aws:kms" and put["SSEKMSKeyId"] == key["Arn"]
    assert put["BucketKeyEnabled"] is True
    assert s3.get_object(Bucket=bucket, Key="d")["Body"].read() == b"default"
    # A request's own mode wins over the default.
    assert s3.put_object(Bucket=bucket, Key="s", Body=b"s3",
                         ServerSideEncryption="AES256")["ServerSideEncryption"] == "AES256"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256",
                                                   "KMSMasterKeyID": key["Arn"]}}]})
    assert error_of(e)[0] == "InvalidArgument"


def test_sse_kms_multipart_and_copy(s3, kms, bucket):
    key = kms.create_key()["KeyMetadata"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", ServerSideEncryption="aws:kms",
                                    SSEKMSKeyId=key["KeyId"])
    assert up["SSEKMSKeyId"] == key["Arn"]
    p1, p2 = os.urandom(5 * 1024 * 1024), os.urandom(10)
    e1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=p1)
    assert e1["ServerSideEncryption"] == "aws:kms"
    e2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=2, Body=p2)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": [
                                            {"PartNumber": 1, "ETag": e1["ETag"]},
                                            {"PartNumber": 2, "ETag": e2["ETag"]}]})
    assert done["SSEKMSKeyId"] == key["Arn"]
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == p1 + p2
    # KMS -> SSE-S3 -> SSE-C -> KMS.
    c1 = s3.copy_object(Bucket=bucket, Key="c1", CopySource={"Bucket": bucket, "Key": "mp"})
    assert c1["ServerSideEncryption"] == "AES256"
    s3.copy_object(Bucket=bucket, Key="c2", CopySource={"Bucket": bucket, "Key": "c1"}, **ssec())
    c3 = s3.copy_object(Bucket=bucket, Key="c3", CopySource={"Bucket": bucket, "Key": "c2"},
                        ServerSideEncryption="aws:kms", SSEKMSKeyId=key["KeyId"], **copy_ssec())
    assert c3["SSEKMSKeyId"] == key["Arn"]
    assert s3.get_object(Bucket=bucket, Key="c3")["Body"].read() == p1 + p2


def test_cli_v2_copies_with_sse_kms_and_sse_c(server, tmp_path):
    # The stock CLI v2's high-level commands: 10 MiB goes multipart (its threshold is 8 MiB).
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(10 * 1024 * 1024))
    b = f"enc-cli-{os.getpid()}"
    assert server.cli("s3", "mb", f"s3://{b}").returncode == 0
    r = server.cli("s3", "cp", str(src), f"s3://{b}/kms.bin", "--sse", "aws:kms")
    assert r.returncode == 0, r.stderr
    head = json.loads(server.cli("s3api", "head-object", "--bucket", b, "--key", "kms.bin").stdout)
    assert head["ServerSideEncryption"] == "aws:kms" and head["PartsCount"] == 2
    key = "0123456789abcdef0123456789abcdef"
    r = server.cli("s3", "cp", str(src), f"s3://{b}/c.bin", "--sse-c", "AES256", "--sse-c-key", key)
    assert r.returncode == 0, r.stderr
    for name, extra in [("kms.bin", []), ("c.bin", ["--sse-c", "AES256", "--sse-c-key", key])]:
        out = tmp_path / ("out-" + name)
        r = server.cli("s3", "cp", f"s3://{b}/{name}", str(out), *extra)
        assert r.returncode == 0, r.stderr
        assert out.read_bytes() == src.read_bytes()
    r = server.cli("s3", "cp", f"s3://{b}/c.bin", str(tmp_path / "nokey"))
    assert r.returncode != 0  # without the key the object cannot be read
