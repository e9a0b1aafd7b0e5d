"""IAM enforced on every call: a new user can do nothing, policies grant, explicit denies win,
boundaries cap, ABAC conditions on tags, changes take effect on the next request."""
import json
import time

import botocore.exceptions
import pytest


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    s = {"Effect": "Allow", "Action": action, "Resource": resource}
    s.update(extra)
    return s


def deny(action, resource="*", **extra):
    s = {"Effect": "Deny", "Action": action, "Resource": resource}
    s.update(extra)
    return s


def denied(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    assert e.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"), \
        e.value.response
    return e.value.response["Error"]["Message"]


@pytest.fixture
def user(server):
    """A fresh IAM user with one access key; yields (name, iam client as that user)."""
    root = server.client("iam")
    name = "u%d" % int(time.time() * 1e6)
    root.create_user(UserName=name)
    key = root.create_access_key(UserName=name)["AccessKey"]
    client = server.client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    yield name, client, key
    for p in root.list_user_policies(UserName=name)["PolicyNames"]:
        root.delete_user_policy(UserName=name, PolicyName=p)
    for p in root.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
        root.detach_user_policy(UserName=name, PolicyArn=p["PolicyArn"])
    for g in root.list_groups_for_user(UserName=name)["Groups"]:
        root.remove_user_from_group(UserName=name, GroupName=g["GroupName"])
    root.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    root.delete_user(UserName=name)


def test_new_user_can_do_nothing_but_get_caller_identity(server, user):
    name, iam, key = user
    msg = denied(lambda: iam.list_users())
    assert msg == (f"User: {server_arn(server, name)} is not authorized to perform: "
                   "iam:ListUsers on resource: * because no identity-based policy allows the "
                   "iam:ListUsers action")
    sts = server.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == server_arn(server, name)


def server_arn(server, name):
    acct = server.client("sts").get_caller_identity()["Account"]
    return f"arn:aws:iam::{acct}:user/{name}"


def test_inline_policy_grants_on_next_request(server, user):
    name, iam, _ = user
    root = server.client("iam")
    denied(lambda: iam.list_users())
    root.put_user_policy(UserName=name, PolicyName="list", PolicyDocument=doc(allow("iam:ListUsers")))
    assert "Users" in iam.list_users()
    root.delete_user_policy(UserName=name, PolicyName="list")
    denied(lambda: iam.list_users())


def test_explicit_deny_wins(server, user):
    name, iam, _ = user
    root = server.client("iam")
    root.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    iam.list_users()
    root.put_user_policy(UserName=name, PolicyName="deny", PolicyDocument=doc(deny("iam:List*")))
    msg = denied(lambda: iam.list_users())
    assert "with an explicit deny in an identity-based policy" in msg


def test_group_policy_applies_to_members(server, user):
    name, iam, _ = user
    root = server.client("iam")
    root.create_group(GroupName="readers-" + name)
    try:
        root.put_group_policy(GroupName="readers-" + name, PolicyName="r",
                              PolicyDocument=doc(allow("iam:ListGroups")))
        denied(lambda: iam.list_groups())
        root.add_user_to_group(GroupName="readers-" + name, UserName=name)
        iam.list_groups()
        root.remove_user_from_group(GroupName="readers-" + name, UserName=name)
        denied(lambda: iam.list_groups())
    finally:
        root.delete_group_policy(GroupName="readers-" + name, PolicyName="r")
        root.delete_group(GroupName="readers-" + name)


def test_permissions_boundary_caps(server, user):
    name, iam, _ = user
    root = server.client("iam")
    arn = root.create_policy(PolicyName="bound-" + name,
                             PolicyDocument=doc(allow("iam:ListRoles")))["Policy"]["Arn"]
    try:
        root.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
        root.put_user_permissions_boundary(UserName=name, PermissionsBoundary=arn)
        iam.list_roles()
        msg = denied(lambda: iam.list_users())
        assert "permissions boundary" in msg
        root.delete_user_permissions_boundary(UserName=name)
        iam.list_users()
    finally:
        root.delete_policy(PolicyArn=arn)


def test_resource_arn_and_tag_conditions(server, user):
    name, iam, _ = user
    root = server.client("iam")
    root.create_user(UserName="target-" + name, Tags=[{"Key": "team", "Value": "red"}])
    root.create_user(UserName="other-" + name, Tags=[{"Key": "team", "Value": "blue"}])
    try:
        root.put_user_policy(UserName=name, PolicyName="abac", PolicyDocument=doc(
            allow("iam:GetUser", "arn:aws:iam::*:user/*",
                  Condition={"StringEquals": {"aws:ResourceTag/team": "red"}})))
        iam.get_user(UserName="target-" + name)
        denied(lambda: iam.get_user(UserName="other-" + name))
    finally:
        root.delete_user(UserName="target-" + name)
        root.delete_user(UserName="other-" + name)


def test_request_tag_condition_on_create(server, user):
    name, iam, _ = user
    root = server.client("iam")
    root.put_user_policy(UserName=name, PolicyName="tagged-only", PolicyDocument=doc(
        allow(["iam:CreateUser", "iam:TagUser"], "*",
              Condition={"StringEquals": {"aws:RequestTag/owner": "${aws:username}"}})))
    denied(lambda: iam.create_user(UserName="untagged-" + name))
    iam.create_user(UserName="tagged-" + name, Tags=[{"Key": "owner", "Value": name}])
    root.delete_user(UserName="tagged-" + name)
    with pytest.raises(botocore.exceptions.ClientError):
        root.get_user(UserName="untagged-" + name)  # state unchanged by the denied call


def test_denied_on_json_service_is_access_denied_exception(server, user):
    name, _, key = user
    kms = server.client("kms", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.list_keys()
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"


def test_root_is_allowed(server):
    assert "Users" in server.client("iam").list_users()


def test_principal_keys_of_a_role_session(server, user):
    """aws:PrincipalArn of a role session is the role's ARN with its path (not the session's),
    aws:userid is ROLEID:session; the keys are per caller and cached, so a second role's
    session must see its own values."""
    import boto3
    name, _, key = user
    root = server.client("iam")
    acct = server.client("sts").get_caller_identity()["Account"]
    root.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=doc(
        allow("sts:AssumeRole")))
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:user/{name}"},
                 "Action": "sts:AssumeRole"})
    arns = {}
    for role_name in ("keysA", "keysB"):
        role = root.create_role(RoleName=role_name, Path="/team/",
                                AssumeRolePolicyDocument=trust)["Role"]
        arns[role_name] = role["Arn"]
        assert role["Arn"] == f"arn:aws:iam::{acct}:role/team/{role_name}"
        root.put_role_policy(RoleName=role_name, PolicyName="p", PolicyDocument=doc(
            allow("iam:ListUsers", Condition={
                "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{acct}:role/team/keysA"},
                "StringLike": {"aws:userid": role["RoleId"] + ":sess-*"}})))
    sts = server.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    for role_name, ok in (("keysA", True), ("keysB", False)):
        creds = sts.assume_role(RoleArn=arns[role_name], RoleSessionName="sess-1")["Credentials"]
        iam = boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                           aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["SessionToken"])
        if ok:
            iam.list_users()
        else:
            denied(lambda: iam.list_users())
    for role_name in arns:
        root.delete_role_policy(RoleName=role_name, PolicyName="p")
        root.delete_role(RoleName=role_name)


def test_add_user_to_group_is_authorized_on_the_group(server):
    """The Service Authorization Reference names the group for iam:AddUserToGroup: a policy on
    one's own user ARN does not let one join a group (admins included); one on the group does."""
    iam = server.client("iam")
    account = server.client("sts").get_caller_identity()["Account"]
    iam.create_group(GroupName="admins-sar")
    iam.create_group(GroupName="readers-sar")
    iam.create_user(UserName="joiner")
    me = f"arn:aws:iam::{account}:user/joiner"
    iam.put_user_policy(UserName="joiner", PolicyName="self", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": me},
            {"Effect": "Allow", "Action": "iam:AddUserToGroup",
             "Resource": f"arn:aws:iam::{account}:group/readers-sar"}]}))
    key = iam.create_access_key(UserName="joiner")["AccessKey"]
    mine = server.client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        mine.add_user_to_group(GroupName="admins-sar", UserName="joiner")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert f"arn:aws:iam::{account}:group/admins-sar" in e.value.response["Error"]["Message"]
    mine.add_user_to_group(GroupName="readers-sar", UserName="joiner")
    groups = [g["GroupName"] for g in iam.list_groups_for_user(UserName="joiner")["Groups"]]
    assert groups == ["readers-sar"]
