"""Every API call becomes one CloudTrail record, durable before the reply; LookupEvents finds
records by each attribute; identities, redaction and denials are recorded as AWS does."""
import json
import signal
import time

import boto3
import botocore.exceptions
import pytest

from conftest import Server
from test_enforcement import allow, doc


def lookup(ct, key=None, value=None, **kw):
    args = dict(kw)
    if key:
        args["LookupAttributes"] = [{"AttributeKey": key, "AttributeValue": value}]
    return ct.lookup_events(**args)["Events"]


def record_of(ev):
    return json.loads(ev["CloudTrailEvent"])


def test_calls_are_recorded_with_root_identity(server):
    iam = server.client("iam")
    name = "ct%d" % int(time.time() * 1e6)
    iam.create_user(UserName=name)
    ct = server.client("cloudtrail")
    events = lookup(ct, "ResourceName", name)
    assert [e["EventName"] for e in events] == ["CreateUser"]
    rec = record_of(events[0])
    assert rec["eventVersion"] == "1.11"
    assert rec["eventSource"] == "iam.amazonaws.com"
    assert rec["userIdentity"]["type"] == "Root"
    assert rec["userIdentity"]["arn"].endswith(":root")
    assert rec["requestParameters"] == {"userName": name}
    assert rec["responseElements"]["user"]["userName"] == name
    assert rec["readOnly"] is False and rec["eventType"] == "AwsApiCall"
    assert rec["managementEvent"] is True and rec["eventCategory"] == "Management"
    assert rec["sourceIPAddress"] == "127.0.0.1"
    assert "Boto3" in rec["userAgent"] or "Botocore" in rec["userAgent"]
    assert rec["requestID"] and rec["eventID"] == events[0]["EventId"]


def test_lookup_by_each_attribute(server):
    iam = server.client("iam")
    name = "la%d" % int(time.time() * 1e6)
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(allow("iam:GetUser")))
    me = server.client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    me.get_user(UserName=name)
    ct = server.client("cloudtrail")
    by_key = lookup(ct, "AccessKeyId", key["AccessKeyId"])
    assert [e["EventName"] for e in by_key] == ["GetUser"]
    assert lookup(ct, "Username", name)[0]["EventName"] == "GetUser"
    ev_id = by_key[0]["EventId"]
    assert lookup(ct, "EventId", ev_id)[0]["EventId"] == ev_id
    assert all(e["EventName"] == "PutUserPolicy" for e in lookup(ct, "EventName", "PutUserPolicy"))
    assert all(e["EventSource"] == "iam.amazonaws.com"
               for e in lookup(ct, "EventSource", "iam.amazonaws.com"))
    assert all(e["ReadOnly"] == "true" for e in lookup(ct, "ReadOnly", "true"))
    assert all(e["ReadOnly"] == "false" for e in lookup(ct, "ReadOnly", "false"))
    types = lookup(ct, "ResourceType", "AWS::IAM::User")
    assert types and all(any(r["ResourceType"] == "AWS::IAM::User" for r in e["Resources"])
                         for e in types)
    rec = record_of(by_key[0])
    assert rec["userIdentity"]["type"] == "IAMUser"
    assert rec["userIdentity"]["userName"] == name
    assert rec["userIdentity"]["principalId"].startswith("AIDA")


def test_denied_calls_are_recorded(server):
    iam = server.client("iam")
    name = "dn%d" % int(time.time() * 1e6)
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    me = server.client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError):
        me.list_roles()
    ev = lookup(server.client("cloudtrail"), "AccessKeyId", key["AccessKeyId"])[0]
    rec = record_of(ev)
    assert rec["errorCode"] == "AccessDenied"
    assert "not authorized to perform: iam:ListRoles" in rec["errorMessage"]


def test_secrets_are_redacted(server):
    iam = server.client("iam")
    name = "rd%d" % int(time.time() * 1e6)
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password="Sup3r-Secret-Passw0rd!")
    key = iam.create_access_key(UserName=name)["AccessKey"]
    ct = server.client("cloudtrail")
    everything = json.dumps([record_of(e) for e in lookup(ct, "ResourceName", name, MaxResults=50)])
    assert "Sup3r-Secret-Passw0rd!" not in everything
    assert key["SecretAccessKey"] not in everything
    lp = [record_of(e) for e in lookup(ct, "EventName", "CreateLoginProfile")][0]
    assert lp["requestParameters"]["password"] == "HIDDEN_DUE_TO_SECURITY_REASONS"


def test_assumed_role_identity_with_session_context(server):
    iam = server.client("iam")
    acct = server.client("sts").get_caller_identity()["Account"]
    n = "ar%d" % int(time.time() * 1e6)
    iam.create_user(UserName=n)
    k = iam.create_access_key(UserName=n)["AccessKey"]
    role = iam.create_role(RoleName=n, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "AWS": f"arn:aws:iam::{acct}:user/{n}"}, "Action": "sts:AssumeRole"}]}))["Role"]
    iam.put_role_policy(RoleName=n, PolicyName="p", PolicyDocument=doc(allow("iam:ListRoles")))
    c = server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"]).assume_role(
        RoleArn=role["Arn"], RoleSessionName="sess-" + n)["Credentials"]
    boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                 aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                 aws_session_token=c["SessionToken"]).list_roles()
    ev = lookup(server.client("cloudtrail"), "AccessKeyId", c["AccessKeyId"])[0]
    uid = record_of(ev)["userIdentity"]
    assert uid["type"] == "AssumedRole"
    assert uid["arn"] == f"arn:aws:sts::{acct}:assumed-role/{n}/sess-{n}"
    assert uid["sessionContext"]["sessionIssuer"]["arn"] == role["Arn"]
    assert uid["sessionContext"]["sessionIssuer"]["type"] == "Role"
    assert uid["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    # The AssumeRole call itself is recorded with the credentials it returned hidden.
    ar = record_of(lookup(server.client("cloudtrail"), "EventName", "AssumeRole")[0])
    assert c["SecretAccessKey"] not in json.dumps(ar)


def test_pagination_and_errors(server):
    iam = server.client("iam")
    for i in range(7):
        iam.list_users()
    ct = server.client("cloudtrail")
    first = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                "AttributeValue": "ListUsers"}], MaxResults=3)
    assert len(first["Events"]) == 3 and "NextToken" in first
    second = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                 "AttributeValue": "ListUsers"}],
                              MaxResults=3, NextToken=first["NextToken"])
    ids = {e["EventId"] for e in first["Events"]} | {e["EventId"] for e in second["Events"]}
    assert len(ids) == 6
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "a"},
                                           {"AttributeKey": "Username", "AttributeValue": "b"}])
    assert e.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.lookup_events(StartTime=time.time(), EndTime=time.time() - 3600)
    assert e.value.response["Error"]["Code"] == "InvalidTimeRangeException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.lookup_events(NextToken="bm90LWEtdG9rZW4=")
    assert e.value.response["Error"]["Code"] == "InvalidNextTokenException"


def test_acknowledged_calls_survive_kill_9(tmp_path):
    s = Server(data_dir=str(tmp_path)).start()
    iam = s.client("iam")
    names = ["k9-%d" % i for i in range(40)]
    for n in names:
        iam.create_user(UserName=n)  # acknowledged: its record is durable
    s.stop(signal.SIGKILL)
    s.cleanup()
    s2 = Server(data_dir=str(tmp_path)).start()
    try:
        ct = s2.client("cloudtrail")
        for n in names:
            assert [e["EventName"] for e in lookup(ct, "ResourceName", n)] == ["CreateUser"], n
    finally:
        s2.cleanup()
