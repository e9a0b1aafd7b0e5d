"""IAM users, groups, roles, managed and inline policies: lifecycles, limits and errors."""
import json
import time

import botocore.exceptions
import pytest

from test_enforcement import allow, doc


@pytest.fixture
def iam(server):
    return server.client("iam")


def uniq(p):
    return "%s%d" % (p, int(time.time() * 1e6))


def code_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]["Code"]


def test_user_lifecycle(iam):
    n = uniq("u")
    u = iam.create_user(UserName=n, Path="/eng/", Tags=[{"Key": "team", "Value": "a"}])["User"]
    assert u["Arn"].endswith(":user/eng/" + n) and u["UserId"].startswith("AIDA")
    assert code_of(lambda: iam.create_user(UserName=n.upper())) == "EntityAlreadyExists"
    got = iam.get_user(UserName=n)["User"]
    assert got["Path"] == "/eng/" and got["Tags"] == [{"Key": "team", "Value": "a"}]
    assert n in [x["UserName"] for x in iam.list_users(PathPrefix="/eng/")["Users"]]
    assert n not in [x["UserName"] for x in iam.list_users(PathPrefix="/ops/")["Users"]]
    iam.tag_user(UserName=n, Tags=[{"Key": "env", "Value": "prod"}])
    iam.untag_user(UserName=n, TagKeys=["team"])
    assert iam.list_user_tags(UserName=n)["Tags"] == [{"Key": "env", "Value": "prod"}]
    iam.update_user(UserName=n, NewUserName=n + "x", NewPath="/ops/")
    assert iam.get_user(UserName=n + "x")["User"]["Arn"].endswith(":user/ops/" + n + "x")
    assert code_of(lambda: iam.get_user(UserName=n)) == "NoSuchEntity"
    iam.delete_user(UserName=n + "x")
    assert code_of(lambda: iam.delete_user(UserName=n + "x")) == "NoSuchEntity"


def test_user_pagination(iam):
    prefix = "/pg%d/" % int(time.time() * 1e6)
    for i in range(5):
        iam.create_user(UserName=uniq("p%d" % i), Path=prefix)
    seen, marker = [], None
    while True:
        kw = {"PathPrefix": prefix, "MaxItems": 2}
        if marker:
            kw["Marker"] = marker
        r = iam.list_users(**kw)
        seen += [u["UserName"] for u in r["Users"]]
        if not r["IsTruncated"]:
            break
        marker = r["Marker"]
    assert len(seen) == 5 and len(set(seen)) == 5


def test_tag_limits(iam):
    n = uniq("t")
    iam.create_user(UserName=n)
    tags = [{"Key": "k%d" % i, "Value": "v"} for i in range(50)]
    iam.tag_user(UserName=n, Tags=tags)
    assert code_of(lambda: iam.tag_user(UserName=n, Tags=[{"Key": "one-more", "Value": "v"}])) \
        == "LimitExceeded"
    assert code_of(lambda: iam.tag_user(UserName=n, Tags=[{"Key": "aws:x", "Value": "v"}])) \
        == "InvalidInput"


def test_group_membership_and_conflicts(iam):
    g, u = uniq("g"), uniq("m")
    iam.create_group(GroupName=g)
    iam.create_user(UserName=u)
    iam.add_user_to_group(GroupName=g, UserName=u)
    assert [x["UserName"] for x in iam.get_group(GroupName=g)["Users"]] == [u]
    assert [x["GroupName"] for x in iam.list_groups_for_user(UserName=u)["Groups"]] == [g]
    assert code_of(lambda: iam.delete_group(GroupName=g)) == "DeleteConflict"
    assert code_of(lambda: iam.delete_user(UserName=u)) == "DeleteConflict"
    iam.update_group(GroupName=g, NewGroupName=g + "r")
    assert [x["GroupName"] for x in iam.list_groups_for_user(UserName=u)["Groups"]] == [g + "r"]
    iam.remove_user_from_group(GroupName=g + "r", UserName=u)
    # Removing a user who is not a member is not an error in AWS (LocalStack's AWS-validated
    # snapshot): nothing to do.
    iam.remove_user_from_group(GroupName=g + "r", UserName=u)
    iam.delete_group(GroupName=g + "r")
    iam.delete_user(UserName=u)


def test_groups_per_user_limit(iam):
    u = uniq("gl")
    iam.create_user(UserName=u)
    for i in range(10):
        iam.create_group(GroupName="%s-%d" % (u, i))
        iam.add_user_to_group(GroupName="%s-%d" % (u, i), UserName=u)
    iam.create_group(GroupName=u + "-x")
    assert code_of(lambda: iam.add_user_to_group(GroupName=u + "-x", UserName=u)) == \
        "LimitExceeded"


def test_managed_policy_versions(iam):
    n = uniq("pol")
    arn = iam.create_policy(PolicyName=n, PolicyDocument=doc(allow("s3:GetObject")),
                            Description="d")["Policy"]["Arn"]
    assert code_of(lambda: iam.create_policy(PolicyName=n, PolicyDocument=doc(allow("s3:*")))) \
        == "EntityAlreadyExists"
    for i in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc(allow("s3:List%d" % i)))
    assert code_of(lambda: iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=doc(allow("s3:X")))) == "LimitExceeded"
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v3")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    v = iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert v["IsDefaultVersion"] and v["Document"]["Statement"][0]["Action"] == "s3:List1"
    assert code_of(lambda: iam.delete_policy_version(PolicyArn=arn, VersionId="v3")) == \
        "DeleteConflict"
    assert code_of(lambda: iam.delete_policy(PolicyArn=arn)) == "DeleteConflict"
    for vid in ("v1", "v2", "v4", "v5"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=vid)
    assert [x["VersionId"] for x in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v3"]
    iam.delete_policy(PolicyArn=arn)
    assert code_of(lambda: iam.get_policy(PolicyArn=arn)) == "NoSuchEntity"


def test_attachments_counts_and_entities(iam):
    n = uniq("att")
    arn = iam.create_policy(PolicyName=n, PolicyDocument=doc(allow("s3:*")))["Policy"]["Arn"]
    iam.create_user(UserName=n)
    iam.create_group(GroupName=n)
    iam.create_role(RoleName=n, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.attach_user_policy(UserName=n, PolicyArn=arn)
    iam.attach_group_policy(GroupName=n, PolicyArn=arn)
    iam.attach_role_policy(RoleName=n, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 3
    ents = iam.list_entities_for_policy(PolicyArn=arn)
    assert [x["UserName"] for x in ents["PolicyUsers"]] == [n]
    assert [x["GroupName"] for x in ents["PolicyGroups"]] == [n]
    assert [x["RoleName"] for x in ents["PolicyRoles"]] == [n]
    local = [p["Arn"] for p in iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]]
    assert arn in local
    assert code_of(lambda: iam.attach_user_policy(
        UserName=n, PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")) == "NoSuchEntity"
    assert code_of(lambda: iam.detach_user_policy(
        UserName=n, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")) == "NoSuchEntity"
    iam.detach_user_policy(UserName=n, PolicyArn=arn)
    iam.detach_group_policy(GroupName=n, PolicyArn=arn)
    iam.detach_role_policy(RoleName=n, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0


def test_attached_policy_limit(iam):
    n = uniq("lim")
    iam.create_user(UserName=n)
    aws = [p["Arn"] for p in iam.list_policies(Scope="AWS", MaxItems=11)["Policies"]]
    for a in aws[:10]:
        iam.attach_user_policy(UserName=n, PolicyArn=a)
    assert code_of(lambda: iam.attach_user_policy(UserName=n, PolicyArn=aws[10])) == \
        "LimitExceeded"


def test_inline_policies_and_size_quota(iam):
    n = uniq("inl")
    iam.create_user(UserName=n)
    iam.put_user_policy(UserName=n, PolicyName="a", PolicyDocument=doc(allow("s3:GetObject")))
    assert iam.list_user_policies(UserName=n)["PolicyNames"] == ["a"]
    got = iam.get_user_policy(UserName=n, PolicyName="a")
    assert got["PolicyDocument"]["Statement"][0]["Action"] == "s3:GetObject"
    big = doc(*[allow("s3:GetObject", "arn:aws:s3:::bucket-%04d/*" % i) for i in range(60)])
    assert code_of(lambda: iam.put_user_policy(UserName=n, PolicyName="b",
                                               PolicyDocument=big)) == "LimitExceeded"
    assert code_of(lambda: iam.put_user_policy(UserName=n, PolicyName="c",
                                               PolicyDocument='{"Statement": []')) == \
        "MalformedPolicyDocument"
    assert code_of(lambda: iam.get_user_policy(UserName=n, PolicyName="zz")) == "NoSuchEntity"
    iam.delete_user_policy(UserName=n, PolicyName="a")


def test_role_lifecycle(iam):
    n = uniq("r")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    r = iam.create_role(RoleName=n, AssumeRolePolicyDocument=trust, Description="x",
                        MaxSessionDuration=7200)["Role"]
    assert r["RoleId"].startswith("AROA") and r["MaxSessionDuration"] == 7200
    assert iam.get_role(RoleName=n)["Role"]["AssumeRolePolicyDocument"]["Statement"][0][
        "Principal"] == {"Service": "lambda.amazonaws.com"}
    assert code_of(lambda: iam.update_role(RoleName=n, MaxSessionDuration=60000)) == \
        "ValidationError"
    iam.update_role(RoleName=n, Description="y", MaxSessionDuration=3600)
    assert iam.get_role(RoleName=n)["Role"]["Description"] == "y"
    assert code_of(lambda: iam.update_assume_role_policy(
        RoleName=n, PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                   '"Action":"sts:AssumeRole"}]}')) == "MalformedPolicyDocument"
    iam.put_role_policy(RoleName=n, PolicyName="p", PolicyDocument=doc(allow("s3:*")))
    assert code_of(lambda: iam.delete_role(RoleName=n)) == "DeleteConflict"
    iam.delete_role_policy(RoleName=n, PolicyName="p")
    iam.delete_role(RoleName=n)


def test_permissions_boundary_usage(iam):
    n = uniq("pb")
    arn = iam.create_policy(PolicyName=n, PolicyDocument=doc(allow("s3:*")))["Policy"]["Arn"]
    iam.create_user(UserName=n, PermissionsBoundary=arn)
    assert iam.get_user(UserName=n)["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    assert code_of(lambda: iam.delete_policy(PolicyArn=arn)) == "DeleteConflict"
    iam.delete_user_permissions_boundary(UserName=n)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 0
    iam.delete_policy(PolicyArn=arn)


def test_service_linked_role(iam):
    r = iam.create_service_linked_role(AWSServiceName="guardduty.amazonaws.com")["Role"]
    assert r["Path"] == "/aws-service-role/guardduty.amazonaws.com/"
    assert code_of(lambda: iam.delete_role(RoleName=r["RoleName"])) == "UnmodifiableEntity"
    task = iam.delete_service_linked_role(RoleName=r["RoleName"])["DeletionTaskId"]
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == \
        "SUCCEEDED"


def test_aws_managed_policies_are_listed(iam):
    names = {p["PolicyName"] for p in iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]}
    for n in ("AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMFullAccess",
              "IAMReadOnlyAccess", "AWSKeyManagementServicePowerUser", "CloudWatchFullAccess"):
        assert n in names
    v = iam.get_policy_version(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess",
                               VersionId="v1")["PolicyVersion"]
    assert v["Document"]["Statement"][0]["Action"] == "*"
