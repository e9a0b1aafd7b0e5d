"""SimulatePrincipalPolicy / SimulateCustomPolicy / GetContextKeysFor* through the engine."""
import json
import time

import pytest

from test_enforcement import allow, deny, doc


@pytest.fixture
def iam(server):
    return server.client("iam")


def test_simulate_custom_policy(iam):
    r = iam.simulate_custom_policy(
        PolicyInputList=[doc(allow("s3:GetObject", "arn:aws:s3:::bucket/*"),
                             deny("s3:GetObject", "arn:aws:s3:::bucket/secret/*"))],
        ActionNames=["s3:GetObject", "s3:PutObject"],
        ResourceArns=["arn:aws:s3:::bucket/a.txt"])
    results = {x["EvalActionName"]: x for x in r["EvaluationResults"]}
    assert results["s3:GetObject"]["EvalDecision"] == "allowed"
    assert results["s3:PutObject"]["EvalDecision"] == "implicitDeny"
    denied = iam.simulate_custom_policy(
        PolicyInputList=[doc(allow("s3:GetObject", "arn:aws:s3:::bucket/*"),
                             deny("s3:GetObject", "arn:aws:s3:::bucket/secret/*"))],
        ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::bucket/secret/k"])
    assert denied["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"
    assert denied["EvaluationResults"][0]["MatchedStatements"]


def test_simulate_reports_missing_context_values(iam):
    p = doc(allow("iam:ListUsers", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    r = iam.simulate_custom_policy(PolicyInputList=[p], ActionNames=["iam:ListUsers"])
    res = r["EvaluationResults"][0]
    assert res["EvalDecision"] == "implicitDeny"
    assert "aws:SourceIp" in res["MissingContextValues"]
    r = iam.simulate_custom_policy(PolicyInputList=[p], ActionNames=["iam:ListUsers"],
                                   ContextEntries=[{"ContextKeyName": "aws:SourceIp",
                                                    "ContextKeyValues": ["10.1.2.3"],
                                                    "ContextKeyType": "ip"}])
    assert r["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_simulate_principal_policy_with_boundary_and_groups(server, iam):
    name = "sim%d" % int(time.time() * 1e6)
    iam.create_user(UserName=name)
    iam.create_group(GroupName=name + "g")
    iam.add_user_to_group(UserName=name, GroupName=name + "g")
    iam.put_group_policy(GroupName=name + "g", PolicyName="g",
                         PolicyDocument=doc(allow(["iam:ListRoles", "iam:ListUsers"])))
    arn = iam.get_user(UserName=name)["User"]["Arn"]
    r = iam.simulate_principal_policy(PolicySourceArn=arn,
                                      ActionNames=["iam:ListRoles", "iam:CreateUser"])
    d = {x["EvalActionName"]: x["EvalDecision"] for x in r["EvaluationResults"]}
    assert d == {"iam:ListRoles": "allowed", "iam:CreateUser": "implicitDeny"}
    r = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["iam:ListRoles", "iam:ListUsers"],
        PermissionsBoundaryPolicyInputList=[doc(allow("iam:ListUsers"))])
    d = {x["EvalActionName"]: x for x in r["EvaluationResults"]}
    assert d["iam:ListUsers"]["EvalDecision"] == "allowed"
    assert d["iam:ListRoles"]["EvalDecision"] == "implicitDeny"
    assert d["iam:ListRoles"]["PermissionsBoundaryDecisionDetail"][
        "AllowedByPermissionsBoundary"] is False


def test_get_context_keys(iam):
    p = doc(allow("s3:*", Condition={"StringEquals": {"aws:PrincipalTag/team": "x",
                                                      "s3:prefix": "home/"}}))
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[p])["ContextKeyNames"]
    assert set(keys) == {"aws:PrincipalTag/team", "s3:prefix"}


def test_malformed_policy_is_rejected(iam):
    import botocore.exceptions
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.simulate_custom_policy(PolicyInputList=['{"Statement": 5}'], ActionNames=["s3:X"])
    assert e.value.response["Error"]["Code"] == "MalformedPolicyDocument"


def test_simulate_without_a_resource_policy_evaluates_identity_policies_alone(server, iam):
    """AssumeRole and kms:Decrypt need a trust or key policy to really succeed; the simulator
    without ResourcePolicy decides on the identity-based policies alone, as AWS's does."""
    account = server.client("sts").get_caller_identity()["Account"]
    name = "simid%d" % int(time.time() * 1e6)
    iam.create_user(UserName=name)
    user_arn = f"arn:aws:iam::{account}:user/{name}"
    trust = doc({"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"})
    role_arn = iam.create_role(RoleName=name + "-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    key_arn = server.client("kms").create_key()["KeyMetadata"]["Arn"]
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(
        allow("sts:AssumeRole", role_arn), allow("kms:Decrypt", key_arn)))
    r = iam.simulate_principal_policy(PolicySourceArn=user_arn,
                                      ActionNames=["sts:AssumeRole", "kms:Decrypt"],
                                      ResourceArns=[role_arn])
    res = {x["EvalActionName"]: x for x in r["EvaluationResults"]}
    assert res["sts:AssumeRole"]["EvalDecision"] == "allowed"
    assert res["sts:AssumeRole"]["EvalDecisionDetails"] == {}  # same account, one resource ARN
    r = iam.simulate_principal_policy(PolicySourceArn=user_arn, ActionNames=["kms:Decrypt"],
                                      ResourceArns=[key_arn])
    assert r["EvaluationResults"][0]["EvalDecision"] == "allowed"
    r = iam.simulate_principal_policy(PolicySourceArn=user_arn, ActionNames=["kms:Encrypt"],
                                      ResourceArns=[key_arn])
    assert r["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    r = iam.simulate_principal_policy(PolicySourceArn=user_arn, ActionNames=["kms:Decrypt"])
    assert "EvalDecisionDetails" not in r["EvaluationResults"][0]  # "*": not returned
