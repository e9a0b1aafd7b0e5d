#!/usr/bin/env python3
"""Capture the exact HTTP requests botocore serializes, as golden data for the protocol codecs.

Usage (run with each interpreter whose botocore we want to pin):
    /usr/bin/python3 tools/capture/capture.py            # Debian botocore 1.29
    python3 tools/capture/capture.py                     # pyenv botocore 1.43
    ... [--out tests/data/protocol/captures] [--only NAME]

Nothing is sent: a `before-send` handler records method, URL, headers and body and aborts the
call. Each capture is written to <out>/<case>.botocore-<major.minor>.json with:
    service / operation / wire      what Rampart must route, resolve and decode it as
    scope_service                   the SigV4 credential-scope service (from Authorization)
    method / path / query / headers / body   the request as botocore built it
    expected                        the decoded input document Rampart must produce

`expected` is derived from the call's parameters by walking the botocore input shape into the
codec's canonical document form (timestamps -> epoch seconds as float, blobs -> raw text); input
members the client added on its own (Content-MD5, checksum headers) are taken from the request.
Volatile headers (date, user agent, invocation ids) are pinned so reruns are byte-stable.
"""
import argparse
import base64
import datetime
import json
import os
import re
import sys
from urllib.parse import parse_qsl, urlsplit

import botocore
import botocore.session
from botocore.config import Config

T0 = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)  # 1700000000

# name, botocore service, operation, params. Blobs stay ASCII so the expected document is text.
CASES = [
    # --- query ---
    ("iam_CreateUser", "iam", "CreateUser", {
        "Path": "/eng/", "UserName": "alice",
        "PermissionsBoundary": "arn:aws:iam::123456789012:policy/boundary",
        "Tags": [{"Key": "team", "Value": "core"}, {"Key": "cost center", "Value": "a+b=c/d:@"}]}),
    ("iam_PutUserPolicy", "iam", "PutUserPolicy", {
        "UserName": "alice", "PolicyName": "inline",
        "PolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})}),
    ("iam_ListUsers", "iam", "ListUsers", {}),
    ("iam_ListUsersPaged", "iam", "ListUsers", {"PathPrefix": "/eng/", "MaxItems": 10,
                                               "Marker": "abc+/="}),
    ("sts_AssumeRole", "sts", "AssumeRole", {
        "RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s1",
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
                       {"arn": "arn:aws:iam::123456789012:policy/p"}],
        "Tags": [{"Key": "project", "Value": "rampart"}], "TransitiveTagKeys": ["project"],
        "DurationSeconds": 900, "ExternalId": "ext-1"}),
    ("sts_GetCallerIdentity", "sts", "GetCallerIdentity", {}),
    # Unsigned (authtype none): no Authorization header, routed by Action= alone.
    ("sts_AssumeRoleWithWebIdentity", "sts", "AssumeRoleWithWebIdentity", {
        "RoleArn": "arn:aws:iam::123456789012:role/web", "RoleSessionName": "app",
        "WebIdentityToken": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "DurationSeconds": 3600}),
    ("sns_CreateTopic", "sns", "CreateTopic", {
        "Name": "orders", "Attributes": {"DisplayName": "Orders", "FifoTopic": "false"},
        "Tags": [{"Key": "k", "Value": "v"}]}),
    ("sns_Publish", "sns", "Publish", {
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders", "Message": "hello & bye",
        "MessageAttributes": {"color": {"DataType": "String", "StringValue": "blue"},
                              "raw": {"DataType": "Binary", "BinaryValue": b"bytes!"}}}),
    ("cloudwatch_PutMetricData", "cloudwatch", "PutMetricData", {
        "Namespace": "App", "MetricData": [{
            "MetricName": "Lat", "Timestamp": T0,
            "Dimensions": [{"Name": "Host", "Value": "h1"}, {"Name": "Az", "Value": "a"}],
            "Values": [1.5, 2.0], "Counts": [3.0, 1.0], "Unit": "Milliseconds",
            "StorageResolution": 1},
            {"MetricName": "Errors", "Value": 0.0,
             "StatisticValues": {"SampleCount": 2.0, "Sum": 3.0, "Minimum": 1.0,
                                 "Maximum": 2.0}}]}),
    ("cloudwatch_ListMetrics", "cloudwatch", "ListMetrics", {
        "Namespace": "App", "Dimensions": [{"Name": "Host", "Value": "h1"}]}),
    ("cloudwatch_GetMetricStatistics", "cloudwatch", "GetMetricStatistics", {
        "Namespace": "App", "MetricName": "Lat", "StartTime": T0,
        "EndTime": T0 + datetime.timedelta(hours=1), "Period": 60,
        "Statistics": ["Average", "Maximum"]}),
    # --- awsJson 1.1 ---
    ("kms_Encrypt", "kms", "Encrypt", {
        "KeyId": "alias/app", "Plaintext": b"secret data",
        "EncryptionContext": {"tenant": "t1", "purpose": "test"},
        "GrantTokens": ["g1"], "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
    ("kms_ListKeys", "kms", "ListKeys", {"Limit": 5}),
    ("logs_PutLogEvents", "logs", "PutLogEvents", {
        "logGroupName": "/app/web", "logStreamName": "i-1",
        "logEvents": [{"timestamp": 1700000000000, "message": "started"},
                      {"timestamp": 1700000000123, "message": "line \"two\"\n"}]}),
    ("logs_FilterLogEvents", "logs", "FilterLogEvents", {
        "logGroupName": "/app/web", "startTime": 1700000000000, "filterPattern": "ERROR",
        "limit": 50}),
    # --- rest-json ---
    ("guardduty_CreateDetector", "guardduty", "CreateDetector", {
        "Enable": True, "ClientToken": "token-1", "FindingPublishingFrequency": "SIX_HOURS",
        "Tags": {"env": "test"}}),
    ("guardduty_ListFindings", "guardduty", "ListFindings", {
        "DetectorId": "12abc34d567e8fa901bc2d34e56789f0", "MaxResults": 25,
        "FindingCriteria": {"Criterion": {"severity": {"Gte": 4}}}}),
    ("xray_PutTraceSegments", "xray", "PutTraceSegments", {
        "TraceSegmentDocuments": [json.dumps({"name": "web", "id": "70de5b6f19ff9a0a",
                                              "trace_id": "1-581cf771-a006649127e371903a2de979",
                                              "start_time": 1.478293361271E9,
                                              "end_time": 1.478293361449E9})]}),
    ("xray_GetTraceSummaries", "xray", "GetTraceSummaries", {
        "StartTime": T0, "EndTime": T0 + datetime.timedelta(minutes=5), "Sampling": False}),
    ("macie2_UntagResource", "macie2", "UntagResource", {
        "resourceArn": "arn:aws:macie2:us-east-1:123456789012:classification-job/j1",
        "tagKeys": ["a", "b c"]}),
    ("macie2_GetResourceProfile", "macie2", "GetResourceProfile", {
        "resourceArn": "arn:aws:s3:::my-bucket"}),
    ("macie2_TagResource", "macie2", "TagResource", {
        "resourceArn": "arn:aws:macie2:us-east-1:123456789012:classification-job/j1",
        "tags": {"team": "sec"}}),
    ("macie2_DescribeClassificationJob", "macie2", "DescribeClassificationJob", {
        "jobId": "a1b2c3"}),
    # --- rest-xml ---
    ("s3_PutBucketTagging", "s3", "PutBucketTagging", {
        "Bucket": "my-bucket", "Tagging": {"TagSet": [{"Key": "k1", "Value": "v1"},
                                                      {"Key": "k2", "Value": "<v&2>"}]}}),
    ("s3_PutObject", "s3", "PutObject", {
        "Bucket": "my-bucket", "Key": "dir/sub dir/file+1.txt", "Body": b"hello world",
        "ContentType": "text/plain", "CacheControl": "no-cache",
        "Metadata": {"owner": "alice", "purpose": "test"}, "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "alias/app", "Tagging": "a=1&b=2"}),
    ("s3_ListObjectsV2", "s3", "ListObjectsV2", {
        "Bucket": "my-bucket", "Prefix": "dir/", "Delimiter": "/", "MaxKeys": 100,
        "ContinuationToken": "tok=="}),
    ("s3_GetObject", "s3", "GetObject", {
        "Bucket": "my-bucket", "Key": "a/b/c.txt", "Range": "bytes=0-9",
        "IfModifiedSince": T0, "VersionId": "v1"}),
    ("s3_DeleteObjects", "s3", "DeleteObjects", {
        "Bucket": "my-bucket", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "1"}],
                                          "Quiet": True}}),
    ("s3_CreateBucket", "s3", "CreateBucket", {
        "Bucket": "new-bucket",
        "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}),
]

# Headers whose value changes on every run or carry nothing the codec reads.
VOLATILE = {"user-agent", "amz-sdk-invocation-id", "amz-sdk-request", "x-amz-user-agent"}
AMZ_DATE = "20231114T221320Z"


class Captured(Exception):
    pass


def canonical(shape, value):
    """A parameter value -> the codec's canonical document form."""
    t = shape.type_name
    if t == "structure":
        return {k: canonical(shape.members[k], v) for k, v in value.items()}
    if t == "list":
        return [canonical(shape.member, v) for v in value]
    if t == "map":
        return {k: canonical(shape.value, v) for k, v in value.items()}
    if t == "timestamp":
        if isinstance(value, datetime.datetime):
            return value.timestamp()
        return float(value)
    if t == "blob":
        return value.decode("ascii") if isinstance(value, bytes) else value
    if t in ("float", "double"):
        return float(value)
    return value


def added_by_client(op_model, params, headers, query):
    """Input members the client filled in itself (header- or querystring-bound scalars:
    Content-MD5, Content-Length, checksum headers, S3's encoding-type=url)."""
    extra = {}
    lower = {k.lower(): v for k, v in headers.items()}
    qs = dict(parse_qsl(query, keep_blank_values=True))
    for name, member in op_model.input_shape.members.items():
        loc = member.serialization.get("location")
        if name in params or member.type_name not in ("string", "integer", "long"):
            continue
        wire = member.serialization.get("name", name)
        if loc == "header" and wire.lower() in lower:
            value = lower[wire.lower()]
        elif loc == "querystring" and wire in qs:
            value = qs[wire]
        else:
            continue
        extra[name] = value if member.type_name == "string" else int(value)
    return extra


def wire_of(client):
    """Rampart's WireName for the protocol botocore resolved (multi-protocol models included)."""
    ser = client._serializer
    ser = getattr(ser, "_serializer", ser)  # unwrap ParamValidationDecorator
    kind = type(ser).__name__
    if kind == "QuerySerializer":
        return "query"
    if kind == "JSONSerializer":
        return "json" + client.meta.service_model.metadata.get("jsonVersion", "1.0")
    if kind == "RestJSONSerializer":
        return "rest-json"
    if kind == "RestXMLSerializer":
        return "rest-xml"
    return kind


def pin_headers(headers, scope):
    out = {}
    for k, v in headers.items():
        v = v.decode() if isinstance(v, bytes) else str(v)
        lk = k.lower()
        if lk in VOLATILE:
            continue
        if lk == "x-amz-date":
            v = AMZ_DATE
        elif lk == "authorization":
            m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/\d{8}/([^,]+), "
                         r"SignedHeaders=([^,]+), Signature=[0-9a-f]+", v)
            if m:
                signed = ";".join(h for h in m.group(3).split(";") if h not in VOLATILE)
                v = ("AWS4-HMAC-SHA256 Credential=%s/%s/%s, SignedHeaders=%s, Signature=%s" %
                     (m.group(1), AMZ_DATE[:8], m.group(2), signed, "0" * 64))
        out[k] = v
    return out


def capture(case):
    name, service, operation, params = case
    session = botocore.session.get_session()
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 0})
    client = session.create_client(service, region_name="us-east-1",
                                   endpoint_url="http://localhost:4566",
                                   aws_access_key_id="AKIDEXAMPLE",
                                   aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                   config=cfg)
    seen = {}

    def on_send(request, **_):
        seen["method"] = request.method
        seen["url"] = request.url
        seen["headers"] = dict(request.headers.items())
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        seen["body"] = body if body is not None else b""
        raise Captured()

    client.meta.events.register("before-send", on_send)
    try:
        getattr(client, botocore.xform_name(operation))(**params)
    except Captured:
        pass
    op_model = client.meta.service_model.operation_model(operation)
    url = urlsplit(seen["url"])
    body = seen["body"]
    if isinstance(body, str):
        body = body.encode()
    auth = seen["headers"].get("Authorization", b"")
    auth = auth.decode() if isinstance(auth, bytes) else auth
    scope = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request", auth)
    headers = pin_headers(seen["headers"], scope)
    expected = canonical(op_model.input_shape, params) if op_model.input_shape else {}
    if op_model.input_shape:
        expected.update(added_by_client(op_model, params, headers, url.query))
    doc = {
        "botocore": botocore.__version__,
        "service": service,
        "operation": operation,
        "wire": wire_of(client),
        "scope_service": scope.group(1) if scope else "",
        "method": seen["method"],
        "path": url.path,
        "query": url.query,
        "headers": headers,
    }
    try:
        doc["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        doc["body_base64"] = base64.b64encode(body).decode()
    doc["expected"] = expected
    return doc


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "data", "protocol",
                                                  "captures"))
    ap.add_argument("--only")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    tag = ".".join(botocore.__version__.split(".")[:2])
    n = 0
    for case in CASES:
        if args.only and case[0] != args.only:
            continue
        doc = capture(case)
        path = os.path.join(args.out, "%s.botocore-%s.json" % (case[0], tag))
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, sort_keys=False, ensure_ascii=False)
            f.write("\n")
        n += 1
        print("%-40s %-10s %s %s%s" % (os.path.basename(path), doc["wire"], doc["method"],
                                        doc["path"], "?" + doc["query"] if doc["query"] else ""))
    print("botocore %s: %d captures in %s" % (botocore.__version__, n, os.path.normpath(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
