"""Sessions and keys are bound to the entity they were issued for (its unique id), not to its
name: a role or user deleted and created again does not inherit the old credentials."""
import concurrent.futures
import json

import botocore.exceptions
import pytest

ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def code(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]["Code"]


def user_with_key(iam, name, policy=ALLOW_ALL):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
    return iam.create_access_key(UserName=name)["AccessKey"]


def delete_user(iam, name):
    for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    for p in iam.list_user_policies(UserName=name)["PolicyNames"]:
        iam.delete_user_policy(UserName=name, PolicyName=p)
    iam.delete_user(UserName=name)


def trusting_role(iam, account, name, user):
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/{user}"},
        "Action": "sts:AssumeRole"}]})
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=ALLOW_ALL)


def test_a_role_session_dies_with_its_role_even_if_the_name_comes_back(server):
    iam = server.client("iam")
    account = server.client("sts").get_caller_identity()["Account"]
    k = user_with_key(iam, "binder")
    trusting_role(iam, account, "reborn", "binder")
    sts = server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"])
    arn = f"arn:aws:iam::{account}:role/reborn"
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="old")["Credentials"]
    old = server.session_client("iam", creds)
    old.list_users()
    iam.delete_role_policy(RoleName="reborn", PolicyName="p")
    iam.delete_role(RoleName="reborn")
    assert code(old.list_users) == "InvalidClientTokenId"
    trusting_role(iam, account, "reborn", "binder")  # same name, new RoleId, new policies
    assert code(old.list_users) == "InvalidClientTokenId"
    assert code(lambda: server.session_client("sts", creds).get_caller_identity()) == \
        "InvalidClientTokenId"
    fresh = sts.assume_role(RoleArn=arn, RoleSessionName="new")["Credentials"]
    server.session_client("iam", fresh).list_users()


def test_a_users_session_token_dies_with_the_user(server):
    iam = server.client("iam")
    k = user_with_key(iam, "tokenholder")
    creds = server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"]) \
        .get_session_token()["Credentials"]
    s_kms = server.session_client("kms", creds)
    s_kms.list_keys()
    delete_user(iam, "tokenholder")
    user_with_key(iam, "tokenholder")  # a new user of the same name
    assert code(s_kms.list_keys) == "UnrecognizedClientException"


def test_keys_follow_a_renamed_user(server):
    iam = server.client("iam")
    k = user_with_key(iam, "renamed-a")
    iam.update_user(UserName="renamed-a", NewUserName="renamed-b")
    arn = server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"]) \
        .get_caller_identity()["Arn"]
    assert arn.endswith(":user/renamed-b")
    keys = iam.list_access_keys(UserName="renamed-b")["AccessKeyMetadata"]
    assert [x["AccessKeyId"] for x in keys] == [k["AccessKeyId"]]
    iam.create_user(UserName="renamed-a")
    assert iam.list_access_keys(UserName="renamed-a")["AccessKeyMetadata"] == []


def test_no_key_outlives_its_user_under_concurrent_create_and_delete(server):
    iam = server.client("iam")
    root_key, root_secret = server.credentials()
    clients = [server.client("iam") for _ in range(2)]
    for i in range(15):
        name = f"racer{i}"
        iam.create_user(UserName=name)

        def create(c=clients[0], n=name):
            try:
                return c.create_access_key(UserName=n)["AccessKey"]
            except botocore.exceptions.ClientError:
                return None

        def delete(c=clients[1], n=name):
            try:
                c.delete_user(UserName=n)
                return True
            except botocore.exceptions.ClientError:
                return False

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            fk, fd = pool.submit(create), pool.submit(delete)
            key, deleted = fk.result(), fd.result()
        if deleted:
            # The user is gone: no key may remain, and a new user of that name has none.
            iam.create_user(UserName=name)
            assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"] == []
            if key:
                sts = server.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
                assert code(sts.get_caller_identity) == "InvalidClientTokenId"
        else:
            assert key is not None  # DeleteUser lost only to the key: DeleteConflict
