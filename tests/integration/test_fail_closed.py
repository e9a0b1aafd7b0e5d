"""Authorization fails closed: a stored policy that no longer parses denies instead of being
dropped, and a KMS call acts on the key that was authorized."""
import json
import os
import sqlite3

import botocore.exceptions
import pytest

from conftest import Server

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def code(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def edit_docs(data_dir, kind, fn):
    """Rewrites the JSON documents of `kind` in the stopped server's database with fn(doc)."""
    con = sqlite3.connect(os.path.join(data_dir, "rampart.db"))
    rows = con.execute("SELECT account_id, key, doc FROM entities WHERE kind = ?", (kind,)).fetchall()
    for account, key, doc in rows:
        new = fn(json.loads(doc))
        if new is not None:
            con.execute("UPDATE entities SET doc = ? WHERE account_id = ? AND kind = ? AND key = ?",
                        (json.dumps(new), account, kind, key))
    con.commit()
    con.close()


def test_an_unreadable_session_policy_denies_instead_of_widening(make_server):
    s = make_server()
    iam = s.client("iam")
    account = s.client("sts").get_caller_identity()["Account"]
    iam.create_user(UserName="sp-user")
    iam.put_user_policy(UserName="sp-user", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    k = iam.create_access_key(UserName="sp-user")["AccessKey"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": f"arn:aws:iam::{account}:user/sp-user"}}]}
    role = iam.create_role(RoleName="sp-role", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="sp-role", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    only_list_users = {"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}
    creds = s.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"]).assume_role(
        RoleArn=role["Role"]["Arn"], RoleSessionName="narrow",
        Policy=json.dumps(only_list_users))["Credentials"]
    sess = s.session_client("iam", creds)
    sess.list_users()
    assert code(sess.list_roles)[0] == "AccessDenied"
    s.stop()
    edit_docs(s.data_dir, "sts-session",
              lambda d: dict(d, Policies=["{not json"]) if d.get("Policies") else None)
    s2 = Server(data_dir=s.data_dir).start()
    try:
        sess2 = s2.session_client("iam", creds)
        # Without the session policy the role would allow everything; it must allow nothing.
        for call in (sess2.list_users, sess2.list_roles):
            assert code(call)[0] == "AccessDenied"
    finally:
        s2.stop()


def test_an_unreadable_inline_deny_still_denies(make_server):
    s = make_server()
    iam = s.client("iam")
    iam.create_user(UserName="deny-user")
    iam.put_user_policy(UserName="deny-user", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    iam.put_user_policy(UserName="deny-user", PolicyName="deny", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}))
    k = iam.create_access_key(UserName="deny-user")["AccessKey"]
    s.stop()
    edit_docs(s.data_dir, "inline",
              lambda d: dict(d, PolicyDocument='{"Statement": [') if d.get("PolicyName") == "deny" else None)
    s2 = Server(data_dir=s.data_dir).start()
    try:
        user_iam = s2.client("iam", key=k["AccessKeyId"], secret=k["SecretAccessKey"])
        c, msg = code(lambda: user_iam.create_user(UserName="x"))
        assert c == "AccessDenied" and "explicit deny" in msg
    finally:
        s2.stop()


def test_an_unreadable_key_policy_denies_even_the_root(make_server):
    s = make_server()
    kms = s.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.encrypt(KeyId=key, Plaintext=b"x")
    s.stop()
    edit_docs(s.data_dir, "kms-key", lambda d: dict(d, Policy="{broken") if "Policy" in d else None)
    s2 = Server(data_dir=s.data_dir).start()
    try:
        c, _ = code(lambda: s2.client("kms").encrypt(KeyId=key, Plaintext=b"x"))
        assert c == "AccessDeniedException"
    finally:
        s2.stop()


def kms_user_on_key(s, name, key_arn, actions=("kms:Encrypt",)):
    """A user whose only permission is `actions` on the one key `key_arn`."""
    iam = s.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="one-key", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": key_arn}]}))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return s.client("kms", key=k["AccessKeyId"], secret=k["SecretAccessKey"])


# AWS: a KMS call that names an alias is authorized on the key the alias points to (the alias is
# no resource of kms:Encrypt; KMS Developer Guide "Using aliases to control access to KMS keys"),
# and acts on that same key: denied while alias/x names key B, allowed on key A after UpdateAlias.
def test_an_alias_is_authorized_and_used_as_the_key_it_names(make_server):
    s = make_server()
    kms = s.client("kms")
    a = kms.create_key(Description="A")["KeyMetadata"]["Arn"]
    b = kms.create_key(Description="B")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/x", TargetKeyId=b)
    user = kms_user_on_key(s, "alias-user", a)
    c, msg = code(lambda: user.encrypt(KeyId="alias/x", Plaintext=b"secret"))
    assert c == "AccessDeniedException", msg
    assert b in msg and "kms:Encrypt" in msg
    kms.update_alias(AliasName="alias/x", TargetKeyId=a)
    out = user.encrypt(KeyId="alias/x", Plaintext=b"secret")
    assert out["KeyId"] == a
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["KeyId"] == a
    kms.update_alias(AliasName="alias/x", TargetKeyId=b)
    assert code(lambda: user.encrypt(KeyId="alias/x", Plaintext=b"secret"))[0] == \
        "AccessDeniedException"


# Rampart (docs/SECURITY.md "Fail closed": handlers act on Call::authorized_refs): with the alias
# moved between A and B while calls run, no Encrypt allowed for key A ever uses key B.
def test_an_alias_moved_during_calls_never_redirects_an_authorized_call(make_server):
    import threading
    s = make_server()
    kms = s.client("kms")
    a = kms.create_key(Description="A")["KeyMetadata"]["Arn"]
    b = kms.create_key(Description="B")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/flip", TargetKeyId=a)
    user = kms_user_on_key(s, "flip-user", a)
    stop = threading.Event()
    flips = [0]

    def flipper():
        mover = s.client("kms")
        while not stop.is_set():
            mover.update_alias(AliasName="alias/flip", TargetKeyId=b if flips[0] % 2 == 0 else a)
            flips[0] += 1

    t = threading.Thread(target=flipper)
    t.start()
    allowed, refused = [], 0
    try:
        for _ in range(150):
            try:
                allowed.append(user.encrypt(KeyId="alias/flip", Plaintext=b"secret"))
            except botocore.exceptions.ClientError as e:
                assert e.response["Error"]["Code"] == "AccessDeniedException", e.response
                refused += 1
    finally:
        stop.set()
        t.join()
    assert flips[0] > 10 and allowed  # the alias moved, and some calls were allowed
    for out in allowed:
        assert out["KeyId"] == a
        assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["KeyId"] == a
