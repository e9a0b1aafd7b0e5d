"""Account aliases, GetAccountSummary, GetAccountAuthorizationDetails, the credential report."""
import csv
import io
import json

import botocore.exceptions
import pytest

HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,"
          "password_last_changed,password_next_rotation,mfa_active,access_key_1_active,"
          "access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,"
          "access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
          "access_key_2_last_used_date,access_key_2_last_used_region,"
          "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,"
          "cert_2_last_rotated")

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
DOC = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


def code(exc):
    return exc.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def iam(server):
    return server.client("iam")


def test_account_alias(iam):
    assert iam.list_account_aliases()["AccountAliases"] == []
    for bad in ["-abc", "abc-", "a--b", "UPPER", "123456789012"]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.create_account_alias(AccountAlias=bad)
        assert code(e) in ("ValidationError", "InvalidInput"), bad
    iam.create_account_alias(AccountAlias="rampart-test")
    assert iam.list_account_aliases()["AccountAliases"] == ["rampart-test"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_account_alias(AccountAlias="another-alias")
    assert code(e) == "LimitExceeded"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_account_alias(AccountAlias="not-mine")
    assert code(e) == "NoSuchEntity"
    iam.delete_account_alias(AccountAlias="rampart-test")
    assert iam.list_account_aliases()["AccountAliases"] == []


def test_account_summary(iam):
    before = iam.get_account_summary()["SummaryMap"]
    for k in ["Users", "UsersQuota", "Groups", "Roles", "Policies", "AccountMFAEnabled",
              "AccessKeysPerUserQuota", "MFADevices", "MFADevicesInUse", "ServerCertificates",
              "AccountAccessKeysPresent", "GroupsPerUserQuota", "PolicySizeQuota",
              "VersionsPerPolicyQuota", "InstanceProfiles", "Providers"]:
        assert k in before, k
    assert before["AccessKeysPerUserQuota"] == 2 and before["AccountAccessKeysPresent"] == 1
    iam.create_user(UserName="sum-user")
    iam.create_group(GroupName="sum-group")
    after = iam.get_account_summary()["SummaryMap"]
    assert after["Users"] == before["Users"] + 1 and after["Groups"] == before["Groups"] + 1


def test_authorization_details(iam):
    iam.create_user(UserName="gaad-user")
    iam.create_group(GroupName="gaad-group")
    iam.add_user_to_group(GroupName="gaad-group", UserName="gaad-user")
    iam.put_user_policy(UserName="gaad-user", PolicyName="inline1", PolicyDocument=DOC)
    iam.attach_user_policy(UserName="gaad-user", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    pol = iam.create_policy(PolicyName="gaad-policy", PolicyDocument=DOC)["Policy"]
    iam.attach_group_policy(GroupName="gaad-group", PolicyArn=pol["Arn"])
    iam.create_role(RoleName="gaad-role", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="gaad-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="gaad-profile", RoleName="gaad-role")

    d = iam.get_account_authorization_details()
    user = next(u for u in d["UserDetailList"] if u["UserName"] == "gaad-user")
    assert user["GroupList"] == ["gaad-group"]
    assert user["UserPolicyList"][0]["PolicyName"] == "inline1"
    assert user["UserPolicyList"][0]["PolicyDocument"] == json.loads(DOC)  # boto3 decodes it
    assert user["AttachedManagedPolicies"] == [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    group = next(g for g in d["GroupDetailList"] if g["GroupName"] == "gaad-group")
    assert group["AttachedManagedPolicies"][0]["PolicyArn"] == pol["Arn"]
    role = next(r for r in d["RoleDetailList"] if r["RoleName"] == "gaad-role")
    assert role["InstanceProfileList"][0]["InstanceProfileName"] == "gaad-profile"
    assert role["InstanceProfileList"][0]["Roles"][0]["RoleName"] == "gaad-role"
    arns = {p["Arn"] for p in d["Policies"]}
    assert pol["Arn"] in arns and "arn:aws:iam::aws:policy/ReadOnlyAccess" in arns
    local = next(p for p in d["Policies"] if p["Arn"] == pol["Arn"])
    assert local["AttachmentCount"] == 1 and local["PolicyVersionList"][0]["IsDefaultVersion"]

    only_roles = iam.get_account_authorization_details(Filter=["Role"])
    assert "UserDetailList" not in only_roles and only_roles["RoleDetailList"]
    local_only = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])
    assert all(":aws:policy/" not in p["Arn"] for p in local_only["Policies"])
    # botocore's paginator works over the output.
    pages = list(iam.get_paginator("get_account_authorization_details").paginate())
    assert pages and "UserDetailList" in pages[0]

    iam.remove_role_from_instance_profile(InstanceProfileName="gaad-profile", RoleName="gaad-role")
    iam.delete_instance_profile(InstanceProfileName="gaad-profile")


def test_credential_report(server, iam):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_credential_report()
    assert code(e) == "ReportNotPresent"
    iam.create_user(UserName="cr-user")
    iam.create_login_profile(UserName="cr-user", Password="Report-Pass-1")
    k = iam.create_access_key(UserName="cr-user")["AccessKey"]
    iam.update_access_key(UserName="cr-user", AccessKeyId=k["AccessKeyId"], Status="Inactive")
    iam.create_access_key(UserName="cr-user")

    # AWS answers a new generation task STARTED (with this description), then COMPLETE.
    first = iam.generate_credential_report()
    assert first["State"] == "STARTED"
    assert first["Description"] == "No report exists. Starting a new report generation task"
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    rep = iam.get_credential_report()
    assert rep["ReportFormat"] == "text/csv" and rep["GeneratedTime"]
    text = rep["Content"].decode()
    lines = text.strip().split("\n")
    assert lines[0] == HEADER
    rows = {r["user"]: r for r in csv.DictReader(io.StringIO(text))}
    account = server.client("sts").get_caller_identity()["Account"]
    root = rows["<root_account>"]
    assert root["arn"] == f"arn:aws:iam::{account}:root"
    assert root["password_enabled"] == "not_supported" and root["access_key_1_active"] == "true"
    u = rows["cr-user"]
    assert u["arn"] == f"arn:aws:iam::{account}:user/cr-user"
    assert u["password_enabled"] == "true" and u["password_last_changed"].endswith("+00:00")
    assert u["mfa_active"] == "false"
    actives = sorted([u["access_key_1_active"], u["access_key_2_active"]])
    assert actives == ["false", "true"]
    assert u["access_key_1_last_rotated"].endswith("+00:00")
    assert u["cert_1_active"] == "false" and u["cert_1_last_rotated"] == "N/A"
    assert rows.get("sum-user", {"password_enabled": "false"})["password_enabled"] == "false"


def test_cli_summary(server):
    r = server.cli("iam", "get-account-summary")
    assert r.returncode == 0 and '"UsersQuota"' in r.stdout


def test_sts_preferences(iam):
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 2
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1
