"""Trail delivery into a Rampart S3 bucket, checked by the bucket policy CloudTrail needs, and
validated end to end by the stock AWS CLI's `cloudtrail validate-logs` (CLI v1 from the pyenv
Python, pointed at Rampart for both CloudTrail and S3)."""
import datetime
import gzip
import json
import os
import shutil
import subprocess
import time

import botocore.exceptions
import pytest

from test_cloudtrail_trails import FAST, wait_for


def cloudtrail_policy(bucket, account, trail_arn, prefix=""):
    path = f"{prefix}/" if prefix else ""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": f"arn:aws:s3:::{bucket}",
         "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
        {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/{path}AWSLogs/{account}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                        "aws:SourceArn": trail_arn}}}]})


def cli_v1():
    """The AWS CLI v1 of the pyenv Python (it honours AWS_ENDPOINT_URL_S3)."""
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, "aws")
        if ".pyenv" in p and os.path.exists(p):
            return p
    p = os.path.expanduser("~/.pyenv/shims/aws")
    return p if os.path.exists(p) else None


def validate_logs(server, trail_arn, start):
    key, secret = server.credentials()
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL_S3=server.endpoint,
               AWS_ENDPOINT_URL=server.endpoint)
    env.pop("AWS_PROFILE", None)
    return subprocess.run([cli_v1(), "cloudtrail", "validate-logs", "--trail-arn", trail_arn,
                           "--start-time", start, "--endpoint-url", server.endpoint, "--verbose"],
                          capture_output=True, text=True, timeout=120, env=env)


def test_trail_delivers_into_s3_and_stock_cli_validates(make_server):
    if not cli_v1():
        pytest.skip("no AWS CLI v1 (pyenv) on this machine")
    server = make_server(*FAST)
    s3, ct = server.client("s3"), server.client("cloudtrail")
    account = server.client("sts").get_caller_identity()["Account"]
    bucket, prefix = "trail-delivery-bucket", "org"
    arn = f"arn:aws:cloudtrail:us-east-1:{account}:trail/audit-s3"
    s3.create_bucket(Bucket=bucket)
    # Without the policy CloudTrail needs, the trail is refused as AWS refuses it.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.create_trail(Name="audit-s3", S3BucketName=bucket, S3KeyPrefix=prefix)
    assert e.value.response["Error"]["Code"] == "InsufficientS3BucketPolicyException"
    # A policy for another trail's ARN does not do either.
    s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_policy(bucket, account, arn + "-x", prefix))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.create_trail(Name="audit-s3", S3BucketName=bucket, S3KeyPrefix=prefix)
    assert e.value.response["Error"]["Code"] == "InsufficientS3BucketPolicyException"
    s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_policy(bucket, account, arn, prefix))
    start = (datetime.datetime.utcnow() - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ct.create_trail(Name="audit-s3", S3BucketName=bucket, S3KeyPrefix=prefix,
                           EnableLogFileValidation=True)["TrailARN"] == arn
    ct.start_logging(Name="audit-s3")
    iam = server.client("iam")
    iam.create_user(UserName="delivered-alice")
    iam.delete_user(UserName="delivered-alice")

    def keys(part):
        out = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/AWSLogs/{account}/{part}/")
        return [o["Key"] for o in out.get("Contents", [])]

    def delivered():
        names = []
        for k in keys("CloudTrail"):
            body = s3.get_object(Bucket=bucket, Key=k)["Body"].read()
            names += [r["eventName"] for r in json.loads(gzip.decompress(body))["Records"]]
        return "DeleteUser" in names and len(keys("CloudTrail-Digest")) >= 2

    assert wait_for(delivered), "no log and digest files in the bucket"
    ct.stop_logging(Name="audit-s3")
    time.sleep(3)  # the last digest covers the last log file
    digest = keys("CloudTrail-Digest")[-1]
    head = s3.head_object(Bucket=bucket, Key=digest)
    assert head["Metadata"]["signature-algorithm"] == "SHA256withRSA"
    assert len(head["Metadata"]["signature"]) == 512
    assert not os.path.exists(os.path.join(server.data_dir, "trails", bucket))

    ok = validate_logs(server, arn, start)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "valid" in ok.stdout and "INVALID" not in ok.stdout + ok.stderr, ok.stdout

    # Alter one delivered log file: the stock validator says so.
    log = keys("CloudTrail")[0]
    body = json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=log)["Body"].read()))
    body["Records"][0]["eventName"] = "Tampered"
    s3.put_object(Bucket=bucket, Key=log, Body=gzip.compress(json.dumps(body).encode()))
    bad = validate_logs(server, arn, start)
    assert bad.returncode != 0 and "INVALID" in bad.stdout + bad.stderr, bad.stdout + bad.stderr


def delivered_records(s3, bucket, account):
    out = s3.list_objects_v2(Bucket=bucket, Prefix=f"AWSLogs/{account}/CloudTrail/")
    records = []
    for o in out.get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        records += json.loads(gzip.decompress(body))["Records"]
    return records


def test_s3_data_events_reach_only_the_trails_that_select_them(make_server):
    server = make_server(*FAST)
    s3, ct = server.client("s3"), server.client("cloudtrail")
    account = server.client("sts").get_caller_identity()["Account"]
    logs = "data-event-logs"
    arn = f"arn:aws:cloudtrail:us-east-1:{account}:trail/data-trail"
    for b in (logs, "watched", "unwatched"):
        s3.create_bucket(Bucket=b)
    s3.put_bucket_policy(Bucket=logs, Policy=cloudtrail_policy(logs, account, arn))
    ct.create_trail(Name="data-trail", S3BucketName=logs)
    ct.put_event_selectors(TrailName="data-trail", EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::watched/"]}]}])
    ct.start_logging(Name="data-trail")
    body = b"data event payload"
    s3.put_object(Bucket="watched", Key="dir/k1", Body=body)
    assert s3.get_object(Bucket="watched", Key="dir/k1")["Body"].read() == body
    s3.put_object(Bucket="unwatched", Key="k1", Body=b"not logged")
    s3.get_object(Bucket="unwatched", Key="k1")

    def events(name, bucket, key):
        return [r for r in delivered_records(s3, logs, account)
                if r["eventName"] == name and (r.get("requestParameters") or {}).get("bucketName") == bucket
                and r["requestParameters"].get("key") == key]

    puts = wait_for(lambda: events("PutObject", "watched", "dir/k1"))
    assert puts, "no PutObject data event delivered"
    put = puts[0]
    assert put["eventCategory"] == "Data" and put["managementEvent"] is False
    assert put["readOnly"] is False and put["eventSource"] == "s3.amazonaws.com"
    assert put["resources"] == [
        {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::watched/dir/k1"},
        {"accountId": account, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::watched"}]
    assert put["requestParameters"]["Host"]
    assert put["additionalEventData"]["bytesTransferredIn"] == len(body)
    assert put["responseElements"] == {"x-amz-server-side-encryption": "AES256"}
    get = wait_for(lambda: events("GetObject", "watched", "dir/k1"))[0]
    assert get["readOnly"] is True and get["additionalEventData"]["bytesTransferredOut"] == len(body)
    assert get["responseElements"] is None
    # The other bucket's object calls are in no file, and no data event is in the event history.
    assert not events("PutObject", "unwatched", "k1") and not events("GetObject", "unwatched", "k1")
    assert ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                               "AttributeValue": "PutObject"}])["Events"] == []

    # Advanced selectors: only writes, only under unwatched/.
    ct.put_event_selectors(TrailName="data-trail", AdvancedEventSelectors=[{
        "Name": "writes to unwatched", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::unwatched/"]},
            {"Field": "readOnly", "Equals": ["false"]}]}])
    s3.put_object(Bucket="unwatched", Key="k2", Body=b"now logged")
    s3.get_object(Bucket="unwatched", Key="k2")
    s3.put_object(Bucket="watched", Key="k2", Body=b"no longer")
    assert wait_for(lambda: events("PutObject", "unwatched", "k2"))
    time.sleep(2)  # one more delivery pass
    assert not events("GetObject", "unwatched", "k2")
    assert not events("PutObject", "watched", "k2")
