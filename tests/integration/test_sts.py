"""STS: role assumption with trust policies, chaining, session policies and tags, MFA sessions,
federation tokens, and temporary credentials verified on every request."""
import base64
import hashlib
import hmac
import json
import struct
import time

import botocore.exceptions
import pytest

from test_enforcement import allow, deny, denied, doc


def trust(principal, **cond):
    s = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if cond:
        s["Condition"] = cond
    return json.dumps({"Version": "2012-10-17", "Statement": [s]})


def totp(seed_b32, t=None):
    key = base64.b32decode(seed_b32)
    step = int((t or time.time()) // 30)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % code


@pytest.fixture
def env(server):
    root = server.client("iam")
    acct = server.client("sts").get_caller_identity()["Account"]
    suffix = str(int(time.time() * 1e6))
    user = "caller" + suffix
    root.create_user(UserName=user)
    key = root.create_access_key(UserName=user)["AccessKey"]
    role = "role" + suffix
    role_arn = root.create_role(RoleName=role, AssumeRolePolicyDocument=trust(
        f"arn:aws:iam::{acct}:user/{user}"), MaxSessionDuration=7200)["Role"]["Arn"]
    root.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=doc(
        allow(["iam:ListUsers", "iam:ListRoles", "iam:GetRole", "sts:AssumeRole"])))
    sts = server.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    yield dict(root=root, acct=acct, user=user, key=key, role=role, role_arn=role_arn, sts=sts)


def session_client(server, service, creds):
    c = server.client(service, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"])
    c2 = __import__("boto3").client(
        service, endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"])
    return c2


def test_assume_role_and_use_session(server, env):
    r = env["sts"].assume_role(RoleArn=env["role_arn"], RoleSessionName="s1")
    creds = r["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert r["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{env['acct']}:assumed-role/{env['role']}/s1"
    ident = session_client(server, "sts", creds).get_caller_identity()
    assert ident["Arn"] == r["AssumedRoleUser"]["Arn"]
    assert ident["UserId"] == r["AssumedRoleUser"]["AssumedRoleId"]
    iam = session_client(server, "iam", creds)
    iam.list_users()  # allowed by the role's policy
    denied(lambda: iam.list_groups())  # not in the role's policy
    last = env["root"].get_role(RoleName=env["role"])["Role"]["RoleLastUsed"]
    assert "LastUsedDate" in last


def test_session_token_is_required_and_checked(server, env):
    creds = env["sts"].assume_role(RoleArn=env["role_arn"], RoleSessionName="s2")["Credentials"]
    no_token = server.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        no_token.get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    bad = dict(creds, SessionToken=creds["SessionToken"][:-4] + "AAAA")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        session_client(server, "sts", bad).get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_untrusted_caller_is_denied(server, env):
    root = env["root"]
    root.create_user(UserName="stranger" + env["role"])
    k = root.create_access_key(UserName="stranger" + env["role"])["AccessKey"]
    # Even with an identity policy allowing sts:AssumeRole, the trust policy must name the caller.
    root.put_user_policy(UserName="stranger" + env["role"], PolicyName="a",
                         PolicyDocument=doc(allow("sts:AssumeRole")))
    sts = server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"])
    denied(lambda: sts.assume_role(RoleArn=env["role_arn"], RoleSessionName="xx"))


def test_trust_naming_account_needs_identity_policy(server, env):
    root = env["root"]
    name = "acct-trust" + env["role"]
    arn = root.create_role(RoleName=name, AssumeRolePolicyDocument=trust(
        f"arn:aws:iam::{env['acct']}:root"))["Role"]["Arn"]
    denied(lambda: env["sts"].assume_role(RoleArn=arn, RoleSessionName="xx"))
    root.put_user_policy(UserName=env["user"], PolicyName="assume",
                         PolicyDocument=doc(allow("sts:AssumeRole", arn)))
    assert env["sts"].assume_role(RoleArn=arn, RoleSessionName="xx")["Credentials"]


def test_root_cannot_assume_roles(server, env):
    msg = denied(lambda: server.client("sts").assume_role(RoleArn=env["role_arn"],
                                                           RoleSessionName="xx"))
    assert "root" in msg


def test_nonexistent_role_is_access_denied(server, env):
    denied(lambda: env["sts"].assume_role(
        RoleArn=f"arn:aws:iam::{env['acct']}:role/nope", RoleSessionName="xx"))


def test_external_id_condition(server, env):
    root = env["root"]
    name = "ext" + env["role"]
    arn = root.create_role(RoleName=name, AssumeRolePolicyDocument=trust(
        f"arn:aws:iam::{env['acct']}:user/{env['user']}",
        StringEquals={"sts:ExternalId": "secret-123"}))["Role"]["Arn"]
    denied(lambda: env["sts"].assume_role(RoleArn=arn, RoleSessionName="xx"))
    denied(lambda: env["sts"].assume_role(RoleArn=arn, RoleSessionName="xx", ExternalId="wrong"))
    env["sts"].assume_role(RoleArn=arn, RoleSessionName="xx", ExternalId="secret-123")


def test_duration_limits_and_chaining(server, env):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env["sts"].assume_role(RoleArn=env["role_arn"], RoleSessionName="xx", DurationSeconds=7201)
    assert "MaxSessionDuration" in e.value.response["Error"]["Message"]
    creds = env["sts"].assume_role(RoleArn=env["role_arn"], RoleSessionName="xx",
                                   DurationSeconds=7200)["Credentials"]
    # Chaining: the role may assume itself if its trust policy allows the session.
    root = env["root"]
    root.update_assume_role_policy(RoleName=env["role"], PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": [
                f"arn:aws:iam::{env['acct']}:user/{env['user']}", env["role_arn"]]},
             "Action": "sts:AssumeRole"}]}))
    chained = session_client(server, "sts", creds)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        chained.assume_role(RoleArn=env["role_arn"], RoleSessionName="yy", DurationSeconds=3601)
    assert "role chaining" in e.value.response["Error"]["Message"]
    r = chained.assume_role(RoleArn=env["role_arn"], RoleSessionName="yy", DurationSeconds=3600)
    assert r["AssumedRoleUser"]["Arn"].endswith("/yy")


def test_session_policy_narrows(server, env):
    creds = env["sts"].assume_role(
        RoleArn=env["role_arn"], RoleSessionName="narrow",
        Policy=doc(allow("iam:ListRoles")))["Credentials"]
    iam = session_client(server, "iam", creds)
    iam.list_roles()
    msg = denied(lambda: iam.list_users())
    assert "session policy" in msg


def test_session_tags_need_tag_session_permission(server, env):
    with pytest.raises(botocore.exceptions.ClientError):
        env["sts"].assume_role(RoleArn=env["role_arn"], RoleSessionName="tt",
                               Tags=[{"Key": "team", "Value": "red"}])
    root = env["root"]
    root.update_assume_role_policy(RoleName=env["role"], PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{env['acct']}:user/{env['user']}"},
             "Action": ["sts:AssumeRole", "sts:TagSession"]}]}))
    creds = env["sts"].assume_role(RoleArn=env["role_arn"], RoleSessionName="tt",
                                   Tags=[{"Key": "team", "Value": "red"}])["Credentials"]
    # The session tag is a principal tag: ABAC on it.
    root.put_role_policy(RoleName=env["role"], PolicyName="abac", PolicyDocument=doc(
        deny("iam:ListRoles", Condition={"StringEquals": {"aws:PrincipalTag/team": "red"}})))
    iam = session_client(server, "iam", creds)
    denied(lambda: iam.list_roles())


def test_get_session_token_with_mfa(server, env):
    root = env["root"]
    dev = root.create_virtual_mfa_device(VirtualMFADeviceName="mfa" + env["user"])["VirtualMFADevice"]
    seed = dev["Base32StringSeed"].decode() if isinstance(dev["Base32StringSeed"], bytes) \
        else dev["Base32StringSeed"]
    now = time.time()
    root.enable_mfa_device(UserName=env["user"], SerialNumber=dev["SerialNumber"],
                           AuthenticationCode1=totp(seed, now - 30),
                           AuthenticationCode2=totp(seed, now))
    # A policy that requires MFA.
    root.put_user_policy(UserName=env["user"], PolicyName="mfa", PolicyDocument=doc(
        allow("iam:ListGroups", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
    iam_plain = server.client("iam", key=env["key"]["AccessKeyId"],
                              secret=env["key"]["SecretAccessKey"])
    denied(lambda: iam_plain.list_groups())
    with pytest.raises(botocore.exceptions.ClientError):
        env["sts"].get_session_token(SerialNumber=dev["SerialNumber"], TokenCode="000000")
    time.sleep(max(0, 30 - (time.time() % 30)) + 0.5)  # a fresh step: the last code was used
    creds = env["sts"].get_session_token(SerialNumber=dev["SerialNumber"],
                                         TokenCode=totp(seed))["Credentials"]
    iam_mfa = session_client(server, "iam", creds)
    iam_mfa.list_groups()
    ident = session_client(server, "sts", creds).get_caller_identity()
    assert ident["Arn"].endswith(":user/" + env["user"])


def test_get_federation_token(server, env):
    root = env["root"]
    root.put_user_policy(UserName=env["user"], PolicyName="fed", PolicyDocument=doc(
        allow(["sts:GetFederationToken", "iam:ListUsers", "iam:ListRoles"])))
    r = env["sts"].get_federation_token(Name="bob", Policy=doc(allow("iam:ListUsers")))
    assert r["FederatedUser"]["Arn"] == f"arn:aws:sts::{env['acct']}:federated-user/bob"
    iam = session_client(server, "iam", r["Credentials"])
    iam.list_users()
    denied(lambda: iam.list_roles())  # the user may, the federation session policy may not


def test_get_access_key_info(server, env):
    info = server.client("sts").get_access_key_info(AccessKeyId=env["key"]["AccessKeyId"])
    assert info["Account"] == env["acct"]


# AWS: GetSessionToken credentials (no MFA) cannot call IAM but can call sts:AssumeRole, and the
# role session they get works ("Comparing the AWS STS credentials" / API_GetSessionToken).
def test_session_token_credentials_without_mfa_can_assume_a_role(server, env):
    creds = env["sts"].get_session_token()["Credentials"]
    s_sts = session_client(server, "sts", creds)
    assert s_sts.get_caller_identity()["Arn"].endswith(":user/" + env["user"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        session_client(server, "iam", creds).list_users()  # no IAM without MFA
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    r = s_sts.assume_role(RoleArn=env["role_arn"], RoleSessionName="from-session-token")
    role_creds = r["Credentials"]
    assert role_creds["AccessKeyId"].startswith("ASIA")
    arn = f"arn:aws:sts::{env['acct']}:assumed-role/{env['role']}/from-session-token"
    assert r["AssumedRoleUser"]["Arn"] == arn
    assert session_client(server, "sts", role_creds).get_caller_identity()["Arn"] == arn
    iam = session_client(server, "iam", role_creds)
    iam.list_users()  # the role's policy allows it
    denied(lambda: iam.list_groups())  # and nothing more
