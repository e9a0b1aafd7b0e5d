"""IAM login profiles, the account password policy, ChangePassword."""
import botocore.exceptions
import pytest

STRONG = "Correct-Horse-9"


def code(exc):
    return exc.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def iam(server):
    return server.client("iam")


@pytest.fixture
def clean_policy(iam):
    yield
    try:
        iam.delete_account_password_policy()
    except botocore.exceptions.ClientError:
        pass


def test_login_profile_lifecycle(iam):
    iam.create_user(UserName="lp-alice")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_login_profile(UserName="lp-alice")
    assert code(e) == "NoSuchEntity"
    lp = iam.create_login_profile(UserName="lp-alice", Password=STRONG,
                                  PasswordResetRequired=True)["LoginProfile"]
    assert lp["UserName"] == "lp-alice" and lp["PasswordResetRequired"] is True
    assert "Password" not in lp
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_login_profile(UserName="lp-alice", Password=STRONG)
    assert code(e) == "EntityAlreadyExists"
    got = iam.get_login_profile(UserName="lp-alice")["LoginProfile"]
    assert got["UserName"] == "lp-alice" and got["PasswordResetRequired"] is True
    iam.update_login_profile(UserName="lp-alice", PasswordResetRequired=False)
    assert iam.get_login_profile(UserName="lp-alice")["LoginProfile"]["PasswordResetRequired"] is False
    iam.update_login_profile(UserName="lp-alice", Password="Another-Pass-77")
    # A user with a login profile cannot be deleted.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_user(UserName="lp-alice")
    assert code(e) == "DeleteConflict"
    iam.delete_login_profile(UserName="lp-alice")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_login_profile(UserName="lp-alice")
    assert code(e) == "NoSuchEntity"
    iam.delete_user(UserName="lp-alice")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_login_profile(UserName="lp-alice", Password=STRONG)
    assert code(e) == "NoSuchEntity"


def test_default_policy_applies_without_custom_policy(iam, clean_policy):
    iam.create_user(UserName="lp-weak")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_account_password_policy()
    assert code(e) == "NoSuchEntity"
    for bad in ["short1A", "alllowercaseletters"]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.create_login_profile(UserName="lp-weak", Password=bad)
        assert code(e) == "PasswordPolicyViolation"
    iam.create_login_profile(UserName="lp-weak", Password=STRONG)


def test_password_policy_crud_and_enforcement(iam, clean_policy):
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True,
                                       RequireNumbers=True, RequireUppercaseCharacters=True,
                                       RequireLowercaseCharacters=True,
                                       AllowUsersToChangePassword=True, MaxPasswordAge=90,
                                       PasswordReusePrevention=3, HardExpiry=False)
    p = iam.get_account_password_policy()["PasswordPolicy"]
    assert p["MinimumPasswordLength"] == 12 and p["RequireSymbols"] and p["RequireNumbers"]
    assert p["MaxPasswordAge"] == 90 and p["ExpirePasswords"] is True
    assert p["PasswordReusePrevention"] == 3 and p["AllowUsersToChangePassword"] is True

    iam.create_user(UserName="lp-bob")
    cases = {
        "Sh0rt!a": "minimum length",
        "nouppercase-123": "uppercase",
        "NOLOWERCASE-123": "lowercase",
        "NoNumbers-Here!": "number",
        "NoSymbols12345A": "symbol",
    }
    for pw, why in cases.items():
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.create_login_profile(UserName="lp-bob", Password=pw)
        assert code(e) == "PasswordPolicyViolation", pw
        assert why in e.value.response["Error"]["Message"]
    iam.create_login_profile(UserName="lp-bob", Password="Valid-Pass-123")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.update_login_profile(UserName="lp-bob", Password="short")
    assert code(e) == "PasswordPolicyViolation"

    # Update replaces the whole policy: omitted members revert to defaults.
    iam.update_account_password_policy(MinimumPasswordLength=8)
    p = iam.get_account_password_policy()["PasswordPolicy"]
    assert p["MinimumPasswordLength"] == 8 and not p["RequireSymbols"]
    assert "MaxPasswordAge" not in p and p["ExpirePasswords"] is False

    iam.delete_account_password_policy()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_account_password_policy()
    assert code(e) == "NoSuchEntity"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_account_password_policy()
    assert code(e) == "NoSuchEntity"


def test_policy_input_validation(iam):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.update_account_password_policy(MinimumPasswordLength=200)
    assert code(e) in ("ValidationError", "InvalidInput")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.update_account_password_policy(PasswordReusePrevention=25)
    assert code(e) in ("ValidationError", "InvalidInput")


def user_client(server, iam, name):
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("iam", key=k["AccessKeyId"], secret=k["SecretAccessKey"])


def test_change_password(server, iam, clean_policy):
    me = user_client(server, iam, "lp-carol")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        me.change_password(OldPassword="x", NewPassword=STRONG)
    assert code(e) == "NoSuchEntity"  # no login profile yet
    iam.create_login_profile(UserName="lp-carol", Password="First-Pass-111",
                             PasswordResetRequired=True)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        me.change_password(OldPassword="Wrong-Pass-111", NewPassword="Second-Pass-222")
    assert code(e) == "AccessDenied"
    me.change_password(OldPassword="First-Pass-111", NewPassword="Second-Pass-222")
    assert iam.get_login_profile(UserName="lp-carol")["LoginProfile"]["PasswordResetRequired"] is False

    iam.update_account_password_policy(MinimumPasswordLength=10, PasswordReusePrevention=2)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        me.change_password(OldPassword="Second-Pass-222", NewPassword="Short-1")
    assert code(e) == "PasswordPolicyViolation"
    # Reuse prevention: the current and the previous password are remembered.
    for reused in ["Second-Pass-222", "First-Pass-111"]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            me.change_password(OldPassword="Second-Pass-222", NewPassword=reused)
        assert code(e) == "PasswordPolicyViolation", reused
    me.change_password(OldPassword="Second-Pass-222", NewPassword="Third-Pass-333")
    # With reuse prevention 2, the first password is old enough again after two changes.
    me.change_password(OldPassword="Third-Pass-333", NewPassword="Fourth-Pass-444")
    me.change_password(OldPassword="Fourth-Pass-444", NewPassword="First-Pass-111")


def test_change_password_root_is_invalid_user_type(iam):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.change_password(OldPassword="whatever-1A", NewPassword="Whatever-2B")
    assert code(e) == "InvalidUserType"


def test_cli_password_policy(server, clean_policy):
    r = server.cli("iam", "update-account-password-policy", "--minimum-password-length", "14",
                   "--require-numbers")
    assert r.returncode == 0, r.stderr
    r = server.cli("iam", "get-account-password-policy")
    assert r.returncode == 0 and '"MinimumPasswordLength": 14' in r.stdout
