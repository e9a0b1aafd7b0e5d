"""Access advisor: ListPoliciesGrantingServiceAccess and service-last-accessed reports."""
import json

import botocore.exceptions
import pytest


def code(exc):
    return exc.value.response["Error"]["Code"]


def doc(*actions):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


@pytest.fixture(scope="module")
def iam(server):
    return server.client("iam")


def test_policies_granting_service_access(iam):
    user = iam.create_user(UserName="aa-user")["User"]
    iam.put_user_policy(UserName="aa-user", PolicyName="s3-inline", PolicyDocument=doc("s3:GetObject"))
    iam.create_group(GroupName="aa-group")
    iam.add_user_to_group(GroupName="aa-group", UserName="aa-user")
    iam.put_group_policy(GroupName="aa-group", PolicyName="sqs-inline",
                         PolicyDocument=doc("sqs:SendMessage", "s3:PutObject"))
    pol = iam.create_policy(PolicyName="aa-kms", PolicyDocument=doc("kms:Decrypt"))["Policy"]
    iam.attach_user_policy(UserName="aa-user", PolicyArn=pol["Arn"])

    out = iam.list_policies_granting_service_access(Arn=user["Arn"],
                                                    ServiceNamespaces=["s3", "kms", "sns"])
    by_ns = {x["ServiceNamespace"]: x["Policies"] for x in out["PoliciesGrantingServiceAccess"]}
    assert {p["PolicyName"] for p in by_ns["s3"]} == {"s3-inline", "sqs-inline"}
    group_entry = next(p for p in by_ns["s3"] if p["PolicyName"] == "sqs-inline")
    assert group_entry["EntityType"] == "GROUP" and group_entry["EntityName"] == "aa-group"
    assert by_ns["kms"] == [{"PolicyName": "aa-kms", "PolicyType": "MANAGED",
                             "PolicyArn": pol["Arn"], "EntityType": "USER", "EntityName": "aa-user"}]
    assert by_ns["sns"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.list_policies_granting_service_access(Arn=user["Arn"].replace("aa-user", "aa-none"),
                                                  ServiceNamespaces=["s3"])
    assert code(e) == "NoSuchEntity"


def test_service_last_accessed(iam):
    user = iam.create_user(UserName="aa-user2")["User"]
    iam.put_user_policy(UserName="aa-user2", PolicyName="p", PolicyDocument=doc("s3:*", "sqs:Get*"))
    job = iam.generate_service_last_accessed_details(Arn=user["Arn"])["JobId"]
    assert len(job) == 36
    d = iam.get_service_last_accessed_details(JobId=job)
    assert d["JobStatus"] == "COMPLETED" and d["JobType"] == "SERVICE_LEVEL"
    assert {s["ServiceNamespace"] for s in d["ServicesLastAccessed"]} == {"s3", "sqs"}
    assert all("LastAuthenticated" not in s for s in d["ServicesLastAccessed"])
    page = iam.get_service_last_accessed_details(JobId=job, MaxItems=1)
    assert page["IsTruncated"] and len(page["ServicesLastAccessed"]) == 1
    e = iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="s3")
    assert [x["EntityInfo"]["Name"] for x in e["EntityDetailsList"]] == ["aa-user2"]
    assert e["EntityDetailsList"][0]["EntityInfo"]["Type"] == "USER"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        iam.get_service_last_accessed_details(JobId="00000000-0000-0000-0000-000000000000")
    assert code(err) == "NoSuchEntity"
    # An AWS-managed policy as the subject.
    job2 = iam.generate_service_last_accessed_details(
        Arn="arn:aws:iam::aws:policy/AdministratorAccess", Granularity="ACTION_LEVEL")["JobId"]
    d2 = iam.get_service_last_accessed_details(JobId=job2)
    assert d2["JobType"] == "ACTION_LEVEL" and any(
        s["ServiceNamespace"] == "iam" for s in d2["ServicesLastAccessed"])
