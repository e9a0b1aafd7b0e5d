"""MFA that holds: wrong codes lock a device for a while, reuse is told apart from a wrong code,
and a code presented with AssumeRole counts in the trust policy."""
import json
import os
import shutil
import subprocess
import time

import botocore.exceptions
import pytest

from test_iam_mfa import totp, now_step

PYENV_AWS = os.path.expanduser("~/.pyenv/shims/aws")  # AWS CLI v1 on a botocore with AWS_ENDPOINT_URL


def error(exc):
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def user_with_device(iam, name):
    iam.create_user(UserName=name)
    dev = iam.create_virtual_mfa_device(VirtualMFADeviceName=name + "-dev")["VirtualMFADevice"]
    serial, seed = dev["SerialNumber"], dev["Base32StringSeed"].decode()
    s = now_step()
    iam.enable_mfa_device(UserName=name, SerialNumber=serial,
                          AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return serial, seed, key["AccessKeyId"], key["SecretAccessKey"], s


def wrong_codes(seed, n):
    """n codes that are not valid in any step near now."""
    s = now_step()
    valid = {totp(seed, x) for x in range(s - 3, s + 4)}
    out, i = [], 0
    while len(out) < n:
        c = "%06d" % ((i * 7919 + 13) % 1000000)
        if c not in valid:
            out.append(c)
        i += 1
    return out


def test_fifty_wrong_guesses_lock_the_device_until_the_window_passes(make_server):
    s = make_server("--mfa-max-failures", "5", "--mfa-lockout-seconds", "8")
    iam = s.client("iam")
    serial, seed, key, secret, enabled_step = user_with_device(iam, "brute")
    sts = s.client("sts", key=key, secret=secret)
    messages = []
    for guess in wrong_codes(seed, 50):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sts.get_session_token(SerialNumber=serial, TokenCode=guess)
        code, msg = error(e)
        assert code == "AccessDenied"
        messages.append(msg)
    locked_at = time.time()
    assert messages[0] == "MultiFactorAuthentication failed with invalid MFA one time pass code."
    assert "too many invalid MFA one time pass codes" in messages[-1]
    # The right code (of a step not used yet) is refused while the device is locked.
    step = max(now_step(), enabled_step + 1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, step))
    assert "too many invalid" in error(e)[1]
    time.sleep(max(0.0, locked_at + 8.5 - time.time()))
    step = max(now_step(), enabled_step + 1)
    creds = sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, step))["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    # Every failure is in CloudTrail with its error code.
    ct = s.client("cloudtrail")
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                 "AttributeValue": "GetSessionToken"}],
                              MaxResults=50)["Events"]
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    failed = [r for r in records if r.get("errorCode") == "AccessDenied"]
    assert len(failed) >= 49


def test_wrong_codes_at_enable_lock_the_device_too(make_server):
    s = make_server("--mfa-max-failures", "3", "--mfa-lockout-seconds", "60")
    iam = s.client("iam")
    iam.create_user(UserName="enabler")
    dev = iam.create_virtual_mfa_device(VirtualMFADeviceName="enabler-dev")["VirtualMFADevice"]
    serial, seed = dev["SerialNumber"], dev["Base32StringSeed"].decode()
    for a, b in zip(wrong_codes(seed, 6)[::2], wrong_codes(seed, 6)[1::2]):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.enable_mfa_device(UserName="enabler", SerialNumber=serial,
                                  AuthenticationCode1=a, AuthenticationCode2=b)
        assert error(e)[0] == "InvalidAuthenticationCode"
    st = now_step()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.enable_mfa_device(UserName="enabler", SerialNumber=serial,
                              AuthenticationCode1=totp(seed, st - 1),
                              AuthenticationCode2=totp(seed, st))
    assert "too many invalid codes" in error(e)[1]


def test_a_used_code_is_told_apart_from_a_wrong_one(server):
    iam = server.client("iam")
    serial, seed, key, secret, s = user_with_device(iam, "reuser")
    sts = server.client("sts", key=key, secret=secret)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, s))  # used to enable
    code, msg = error(e)
    assert code == "AccessDenied"
    assert "already used" in msg and "wait for the device's next code" in msg
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_session_token(SerialNumber=serial, TokenCode=wrong_codes(seed, 1)[0])
    assert error(e)[1] == "MultiFactorAuthentication failed with invalid MFA one time pass code."


def test_unknown_serial_gets_awss_message(server):
    iam = server.client("iam")
    iam.create_user(UserName="nodevice")
    key = iam.create_access_key(UserName="nodevice")["AccessKey"]
    sts = server.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    account = sts.get_caller_identity()["Account"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_session_token(SerialNumber=f"arn:aws:iam::{account}:mfa/none", TokenCode="123456")
    assert error(e)[1].startswith("MultiFactorAuthentication failed, unable to validate MFA code.")


def mfa_role(iam, account, user, name):
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/{user}"},
        "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_user_policy(UserName=user, PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn}]}))
    return arn


def test_assume_role_with_a_fresh_code_satisfies_an_mfa_trust_policy(server):
    iam = server.client("iam")
    account = server.client("sts").get_caller_identity()["Account"]
    serial, seed, key, secret, s = user_with_device(iam, "mfa-assumer")
    arn = mfa_role(iam, account, "mfa-assumer", "needs-mfa")
    sts = server.client("sts", key=key, secret=secret)
    time.sleep(0.5)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="no-mfa")
    assert error(e)[0] == "AccessDenied"
    step = max(now_step(), s + 1)
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="with-mfa", SerialNumber=serial,
                            TokenCode=totp(seed, step))["Credentials"]
    role_sts = server.session_client("sts", creds)
    assert ":assumed-role/needs-mfa/with-mfa" in role_sts.get_caller_identity()["Arn"]
    # A wrong code fails at the code, with STS's message, not at the trust policy.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="bad", SerialNumber=serial,
                        TokenCode=wrong_codes(seed, 1)[0])
    assert error(e) == ("AccessDenied",
                        "MultiFactorAuthentication failed with invalid MFA one time pass code.")


@pytest.mark.skipif(not os.path.exists(PYENV_AWS), reason="needs the pyenv AWS CLI (AWS_ENDPOINT_URL)")
def test_cli_profile_with_mfa_serial_assumes_an_mfa_role(server, tmp_path):
    iam = server.client("iam")
    account = server.client("sts").get_caller_identity()["Account"]
    serial, seed, key, secret, s = user_with_device(iam, "cli-mfa")
    arn = mfa_role(iam, account, "cli-mfa", "cli-needs-mfa")
    (tmp_path / "credentials").write_text(
        f"[base]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    (tmp_path / "config").write_text(
        f"[profile base]\nregion = us-east-1\n\n[profile mfa]\nregion = us-east-1\n"
        f"role_arn = {arn}\nsource_profile = base\nmfa_serial = {serial}\n")
    step = max(now_step(), s + 1)
    while now_step() < step:
        time.sleep(0.5)
    env = dict(os.environ, AWS_CONFIG_FILE=str(tmp_path / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
               AWS_ENDPOINT_URL=server.endpoint, AWS_PROFILE="mfa", AWS_MAX_ATTEMPTS="1")
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(k, None)
    # No controlling terminal: botocore's prompt falls back to standard input.
    p = subprocess.run(["setsid", PYENV_AWS, "sts", "get-caller-identity", "--output", "json"],
                       input=totp(seed, step) + "\n", env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    assert ":assumed-role/cli-needs-mfa/" in json.loads(p.stdout)["Arn"]


INVALID = "MultiFactorAuthentication failed with invalid MFA one time pass code."


# Rampart's brute-force rule (docs/SECURITY.md; not an AWS-documented limit): wrong codes
# presented with AssumeRole (SerialNumber + TokenCode) count like GetSessionToken's, and once
# --mfa-max-failures is reached even the right code is refused until the lockout ends.
def test_wrong_codes_with_assume_role_lock_the_device(make_server):
    s = make_server("--mfa-max-failures", "3", "--mfa-lockout-seconds", "8")
    iam = s.client("iam")
    account = s.client("sts").get_caller_identity()["Account"]
    serial, seed, key, secret, enabled_step = user_with_device(iam, "ar-brute")
    arn = mfa_role(iam, account, "ar-brute", "ar-needs-mfa")
    sts = s.client("sts", key=key, secret=secret)
    for guess in wrong_codes(seed, 3):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sts.assume_role(RoleArn=arn, RoleSessionName="guess", SerialNumber=serial,
                            TokenCode=guess)
        assert error(e) == ("AccessDenied", INVALID)
    locked_at = time.time()
    step = max(now_step(), enabled_step + 1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="right", SerialNumber=serial,
                        TokenCode=totp(seed, step))
    code, msg = error(e)
    assert code == "AccessDenied" and "too many invalid MFA one time pass codes" in msg
    # The lock is the device's: GetSessionToken with the right code is refused too.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, step))
    assert "too many invalid" in error(e)[1]
    # Once the lockout has passed the right code is accepted: the refusals were the lock's.
    time.sleep(max(0.0, locked_at + 8.5 - time.time()))
    step = max(now_step(), enabled_step + 1)
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="after", SerialNumber=serial,
                            TokenCode=totp(seed, step))["Credentials"]
    assert ":assumed-role/ar-needs-mfa/after" in \
        s.session_client("sts", creds).get_caller_identity()["Arn"]


# Rampart's brute-force rule (src/services/iam/mfa.cc CheckConsecutive counts ResyncMFADevice
# failures): wrong resync code pairs lock the device for resync and for STS alike.
def test_wrong_codes_at_resync_lock_the_device_too(make_server):
    s = make_server("--mfa-max-failures", "3", "--mfa-lockout-seconds", "60")
    iam = s.client("iam")
    serial, seed, key, secret, enabled_step = user_with_device(iam, "resync-brute")
    codes = wrong_codes(seed, 6)
    for a, b in zip(codes[::2], codes[1::2]):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.resync_mfa_device(UserName="resync-brute", SerialNumber=serial,
                                  AuthenticationCode1=a, AuthenticationCode2=b)
        assert error(e) == ("InvalidAuthenticationCode",
                            "Authentication code for device is not valid.")
    step = max(now_step(), enabled_step + 1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.resync_mfa_device(UserName="resync-brute", SerialNumber=serial,
                              AuthenticationCode1=totp(seed, step),
                              AuthenticationCode2=totp(seed, step + 1))
    code, msg = error(e)
    assert code == "InvalidAuthenticationCode" and "too many invalid codes" in msg
    sts = s.client("sts", key=key, secret=secret)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, step))
    code, msg = error(e)
    assert code == "AccessDenied" and "too many invalid MFA one time pass codes" in msg
