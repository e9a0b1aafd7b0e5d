"""Privilege escalation paths: an attacker without the enabling permission is denied, and the
state is unchanged. Each case names the path (see Rhino Security Labs' and AWS's write-ups of
IAM escalation methods)."""
import json
import time

import botocore.exceptions
import pytest

from test_enforcement import allow, doc

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture(scope="module")
def world(server):
    root = server.client("iam")
    acct = server.client("sts").get_caller_identity()["Account"]
    s = str(int(time.time() * 1e6))
    names = dict(attacker="atk" + s, victim="vic" + s, group="grp" + s, admins="adm" + s,
                 role="role" + s, policy="pol" + s)
    root.create_user(UserName=names["attacker"])
    root.create_user(UserName=names["victim"])
    root.create_login_profile(UserName=names["victim"], Password="Victim-Pass-1234!")
    root.create_group(GroupName=names["group"])
    root.create_group(GroupName=names["admins"])
    root.attach_group_policy(GroupName=names["admins"], PolicyArn=ADMIN)
    root.add_user_to_group(UserName=names["attacker"], GroupName=names["group"])
    pol_arn = root.create_policy(PolicyName=names["policy"],
                                 PolicyDocument=doc(allow("iam:Get*")))["Policy"]["Arn"]
    root.attach_user_policy(UserName=names["attacker"], PolicyArn=pol_arn)
    root.create_policy_version(PolicyArn=pol_arn, PolicyDocument=doc(allow("*")),
                               SetAsDefault=False)
    role_arn = root.create_role(RoleName=names["role"], AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "AWS": f"arn:aws:iam::{acct}:user/{names['attacker']}"}, "Action": "sts:AssumeRole"}]
    }))["Role"]["Arn"]
    # The attacker may read IAM, assume the role, and manage only its own access keys.
    root.put_user_policy(UserName=names["attacker"], PolicyName="base", PolicyDocument=doc(
        allow(["iam:Get*", "iam:List*", "sts:AssumeRole"]),
        allow(["iam:CreateAccessKey", "iam:ListAccessKeys"],
              f"arn:aws:iam::{acct}:user/${{aws:username}}")))
    key = root.create_access_key(UserName=names["attacker"])["AccessKey"]
    atk = server.client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    return dict(root=root, atk=atk, acct=acct, pol_arn=pol_arn, role_arn=role_arn, **names)


def state(w):
    """Everything an escalation could change, as seen by root."""
    r = w["root"]
    return json.dumps({
        "attacker_attached": r.list_attached_user_policies(UserName=w["attacker"])["AttachedPolicies"],
        "attacker_inline": r.list_user_policies(UserName=w["attacker"])["PolicyNames"],
        "attacker_groups": [g["GroupName"] for g in r.list_groups_for_user(UserName=w["attacker"])["Groups"]],
        "group_attached": r.list_attached_group_policies(GroupName=w["group"])["AttachedPolicies"],
        "group_inline": r.list_group_policies(GroupName=w["group"])["PolicyNames"],
        "role_attached": r.list_attached_role_policies(RoleName=w["role"])["AttachedPolicies"],
        "role_inline": r.list_role_policies(RoleName=w["role"])["PolicyNames"],
        "role_trust": r.get_role(RoleName=w["role"])["Role"]["AssumeRolePolicyDocument"],
        "policy_default": r.get_policy(PolicyArn=w["pol_arn"])["Policy"]["DefaultVersionId"],
        "policy_versions": sorted(v["VersionId"] for v in
                                  r.list_policy_versions(PolicyArn=w["pol_arn"])["Versions"]),
        "victim_keys": len(r.list_access_keys(UserName=w["victim"])["AccessKeyMetadata"]),
        "attacker_boundary": r.get_user(UserName=w["attacker"])["User"].get("PermissionsBoundary"),
    }, sort_keys=True, default=str)


ADMIN_DOC = doc(allow("*"))

PATHS = {
    "CreatePolicyVersion": lambda a, w: a.create_policy_version(
        PolicyArn=w["pol_arn"], PolicyDocument=ADMIN_DOC, SetAsDefault=True),
    "SetDefaultPolicyVersion": lambda a, w: a.set_default_policy_version(
        PolicyArn=w["pol_arn"], VersionId="v2"),
    "AttachUserPolicy": lambda a, w: a.attach_user_policy(UserName=w["attacker"], PolicyArn=ADMIN),
    "AttachGroupPolicy": lambda a, w: a.attach_group_policy(GroupName=w["group"], PolicyArn=ADMIN),
    "AttachRolePolicy": lambda a, w: a.attach_role_policy(RoleName=w["role"], PolicyArn=ADMIN),
    "PutUserPolicy": lambda a, w: a.put_user_policy(UserName=w["attacker"], PolicyName="x",
                                                    PolicyDocument=ADMIN_DOC),
    "PutGroupPolicy": lambda a, w: a.put_group_policy(GroupName=w["group"], PolicyName="x",
                                                      PolicyDocument=ADMIN_DOC),
    "PutRolePolicy": lambda a, w: a.put_role_policy(RoleName=w["role"], PolicyName="x",
                                                    PolicyDocument=ADMIN_DOC),
    "AddUserToGroup": lambda a, w: a.add_user_to_group(UserName=w["attacker"],
                                                       GroupName=w["admins"]),
    "CreateAccessKeyForOther": lambda a, w: a.create_access_key(UserName=w["victim"]),
    "CreateLoginProfileForSelf": lambda a, w: a.create_login_profile(
        UserName=w["attacker"], Password="Attacker-Pass-1234!"),
    "UpdateLoginProfileForOther": lambda a, w: a.update_login_profile(
        UserName=w["victim"], Password="Hijacked-Pass-1234!"),
    "UpdateAssumeRolePolicy": lambda a, w: a.update_assume_role_policy(
        RoleName=w["role"], PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})),
    "DeleteUserPermissionsBoundary": lambda a, w: a.delete_user_permissions_boundary(
        UserName=w["attacker"]),
    "CreateUserWithAdmin": lambda a, w: a.create_user(UserName="sock" + w["attacker"]),
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_escalation_path_is_denied_and_state_unchanged(world, path):
    before = state(world)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        PATHS[path](world["atk"], world)
    assert e.value.response["Error"]["Code"] == "AccessDenied", e.value.response
    assert state(world) == before


def test_escalation_through_assumed_role_is_denied(server, world):
    # The role has no permissions of its own: its session cannot escalate either.
    import boto3
    key = world["root"].create_access_key(UserName=world["attacker"])["AccessKey"]
    try:
        sts = server.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        c = sts.assume_role(RoleArn=world["role_arn"], RoleSessionName="esc")["Credentials"]
        iam = boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                           aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                           aws_session_token=c["SessionToken"])
        before = state(world)
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.attach_role_policy(RoleName=world["role"], PolicyArn=ADMIN)
        assert e.value.response["Error"]["Code"] == "AccessDenied"
        assert state(world) == before
    finally:
        world["root"].delete_access_key(UserName=world["attacker"], AccessKeyId=key["AccessKeyId"])


def test_self_scoped_permission_still_works(world):
    # The attacker's own key management is allowed: the denials above are not blanket denials.
    atk = world["atk"]
    k = atk.create_access_key()["AccessKey"]
    world["root"].delete_access_key(UserName=world["attacker"], AccessKeyId=k["AccessKeyId"])


def test_pass_role_to_a_service_needs_iam_pass_role(server, world):
    """PassRole: handing a powerful role to a service (an instance profile for EC2, CloudTrail's
    CloudWatch Logs role) needs iam:PassRole on that role, for that service. Without it the
    call is denied and nothing changes; with PassRole for another service too."""
    import boto3
    root, acct = world["root"], world["acct"]
    s = str(int(time.time() * 1e6))
    user, profile, trail = "passer" + s, "prof" + s, "trail" + s
    root.create_user(UserName=user)
    root.put_user_policy(UserName=user, PolicyName="base", PolicyDocument=doc(
        allow(["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile",
               "iam:GetInstanceProfile", "cloudtrail:*"])))
    key = root.create_access_key(UserName=user)["AccessKey"]
    iam = server.client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    ct = boto3.client("cloudtrail", endpoint_url=server.endpoint, region_name="us-east-1",
                      aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"])
    iam.create_instance_profile(InstanceProfileName=profile)
    role_arn = world["role_arn"]
    log_group = f"arn:aws:logs:us-east-1:{acct}:log-group:trail-logs:*"

    def attempt_all(expect_denied_message_part):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=world["role"])
        assert e.value.response["Error"]["Code"] == "AccessDenied"
        assert "iam:PassRole" in e.value.response["Error"]["Message"]
        assert expect_denied_message_part in e.value.response["Error"]["Message"]
        assert root.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"] == []
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ct.create_trail(Name=trail, S3BucketName="bucket-" + s,
                            CloudWatchLogsLogGroupArn=log_group, CloudWatchLogsRoleArn=role_arn)
        assert e.value.response["Error"]["Code"] in ("AccessDeniedException", "AccessDenied")
        assert ct.describe_trails(trailNameList=[trail])["trailList"] == []

    attempt_all(role_arn)
    # PassRole allowed only to CloudTrail: the instance profile (EC2) is still refused, the
    # trail is not.
    root.put_user_policy(UserName=user, PolicyName="pass", PolicyDocument=doc(
        allow("iam:PassRole", role_arn,
              Condition={"StringEquals": {"iam:PassedToService": "cloudtrail.amazonaws.com"}})))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=world["role"])
    assert "iam:PassRole" in e.value.response["Error"]["Message"]
    ct.create_trail(Name=trail, S3BucketName="bucket-" + s,
                    CloudWatchLogsLogGroupArn=log_group, CloudWatchLogsRoleArn=role_arn)
    assert ct.get_trail(Name=trail)["Trail"]["CloudWatchLogsRoleArn"] == role_arn
    # And for EC2 as well: now the instance profile takes the role.
    root.put_user_policy(UserName=user, PolicyName="pass", PolicyDocument=doc(
        allow("iam:PassRole", role_arn)))
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=world["role"])
    assert [r["Arn"] for r in
            root.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]] == \
        [role_arn]
    root.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=world["role"])
    root.delete_instance_profile(InstanceProfileName=profile)
    ct.delete_trail(Name=trail)
    for p in root.list_user_policies(UserName=user)["PolicyNames"]:
        root.delete_user_policy(UserName=user, PolicyName=p)
    root.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    root.delete_user(UserName=user)
