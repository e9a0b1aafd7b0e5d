"""KMS with real cryptography: envelope encryption, context binding, tampering, asymmetric keys
verified by the openssl CLI, HMAC, aliases, key states, rotation, imported material, key
policies, grants, CloudTrail redaction and AWS's errors."""
import base64
import hashlib
import json
import os
import subprocess
import tempfile
import time

import botocore.exceptions
import pytest

from conftest import Server


def wait_gone(describe, seconds):
    """Polls `describe` until it raises (the key was deleted) or `seconds` pass."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            describe()
            time.sleep(0.1)
        except botocore.exceptions.ClientError:
            return


def err(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def fast():
    """A server whose KMS 'day' is 0.02 s: 7-day deletion windows and 365-day rotations pass
    within a test."""
    s = Server(env={"RAMPART_KMS_DAY_SECONDS": "0.02"}).start()
    yield s
    s.cleanup()


@pytest.fixture
def kms(server):
    return server.client("kms")


def account_of(server):
    return server.client("sts").get_caller_identity()["Account"]


def make_user(server, policy=None):
    iam = server.client("iam")
    name = "k%d" % int(time.time() * 1e6)
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    arn = iam.get_user(UserName=name)["User"]["Arn"]
    return arn, server.client("kms", key=key["AccessKeyId"], secret=key["SecretAccessKey"])


ALLOW_KMS = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}


# ---- symmetric -----------------------------------------------------------------------------

def test_create_describe_list(kms, server):
    md = kms.create_key(Description="first")["KeyMetadata"]
    assert md["KeySpec"] == "SYMMETRIC_DEFAULT" and md["KeyState"] == "Enabled"
    assert md["Arn"].endswith(":key/" + md["KeyId"]) and md["Enabled"]
    assert md["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert kms.describe_key(KeyId=md["Arn"])["KeyMetadata"]["Description"] == "first"
    ids = [k["KeyId"] for k in kms.get_paginator("list_keys").paginate().build_full_result()["Keys"]]
    assert md["KeyId"] in ids
    policy = json.loads(kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Principal"]["AWS"] == f"arn:aws:iam::{account_of(server)}:root"
    assert kms.list_key_policies(KeyId=md["KeyId"])["PolicyNames"] == ["default"]
    kms.update_key_description(KeyId=md["KeyId"], Description="second")
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["Description"] == "second"


def test_encrypt_decrypt_without_key_id(kms):
    key = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"hello")["CiphertextBlob"]
    assert b"hello" not in blob
    out = kms.decrypt(CiphertextBlob=blob)
    assert out["Plaintext"] == b"hello" and out["KeyId"] == key["Arn"]
    assert out["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"


def test_envelope_encryption_round_trip(kms):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    ctx = {"bucket": "b1", "object": "o1"}
    dk = kms.generate_data_key(KeyId=key, KeySpec="AES_256", EncryptionContext=ctx)
    assert len(dk["Plaintext"]) == 32
    nonce = os.urandom(12)
    sealed = AESGCM(dk["Plaintext"]).encrypt(nonce, b"payload " * 100, None)
    # Later: only the encrypted data key is kept.
    plain_key = kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext=ctx)["Plaintext"]
    assert AESGCM(plain_key).decrypt(nonce, sealed, None) == b"payload " * 100
    wp = kms.generate_data_key_without_plaintext(KeyId=key, NumberOfBytes=64)
    assert "Plaintext" not in wp
    assert len(kms.decrypt(CiphertextBlob=wp["CiphertextBlob"])["Plaintext"]) == 64


def test_encryption_context_is_bound(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"a": "1", "b": "2"})["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"b": "2", "a": "1"})["Plaintext"] == b"x"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob)) == "InvalidCiphertextException"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "1"})) == \
        "InvalidCiphertextException"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "1", "b": "3"})) == \
        "InvalidCiphertextException"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext={"A": "1", "b": "2"})) == \
        "InvalidCiphertextException"


def test_tampering_and_wrong_key(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
    for i in (0, 5, 20, 32, 40, len(blob) - 1):
        bad = bytearray(blob)
        bad[i] ^= 1
        code = err(lambda: kms.decrypt(CiphertextBlob=bytes(bad)))
        assert code in ("InvalidCiphertextException", "NotFoundException"), (i, code)
    assert err(lambda: kms.decrypt(CiphertextBlob=blob[:-1])) == "InvalidCiphertextException"
    assert err(lambda: kms.decrypt(CiphertextBlob=b"garbage" * 10)) == "InvalidCiphertextException"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob, KeyId=other)) == "IncorrectKeyException"


def test_reencrypt(kms):
    a = kms.create_key()["KeyMetadata"]
    b = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=a["KeyId"], Plaintext=b"move me", EncryptionContext={"k": "v"})["CiphertextBlob"]
    out = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"k": "v"},
                         DestinationKeyId=b["KeyId"], DestinationEncryptionContext={"n": "w"})
    assert out["SourceKeyId"] == a["Arn"] and out["KeyId"] == b["Arn"]
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"n": "w"})["Plaintext"] == b"move me"


def test_limits_and_validation(server, kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    raw = server.client("kms", parameter_validation=False)  # the server's checks, not botocore's
    assert err(lambda: raw.encrypt(KeyId=key, Plaintext=b"x" * 4097)) == "ValidationException"
    assert len(kms.encrypt(KeyId=key, Plaintext=b"x" * 4096)["CiphertextBlob"]) > 4096
    assert len(kms.generate_random(NumberOfBytes=1024)["Plaintext"]) == 1024
    assert err(lambda: raw.generate_random(NumberOfBytes=1025)) == "ValidationException"
    assert err(lambda: raw.generate_random(NumberOfBytes=0)) == "ValidationException"
    assert err(lambda: kms.generate_data_key(KeyId=key)) == "ValidationException"
    assert err(lambda: raw.generate_data_key(KeyId=key, NumberOfBytes=1025)) == "ValidationException"
    assert err(lambda: kms.describe_key(KeyId="00000000-0000-4000-8000-000000000000")) == "NotFoundException"
    assert err(lambda: kms.describe_key(KeyId="alias/none-such")) == "NotFoundException"
    assert err(lambda: raw.schedule_key_deletion(KeyId=key, PendingWindowInDays=6)) == "ValidationException"
    assert err(lambda: raw.schedule_key_deletion(KeyId=key, PendingWindowInDays=31)) == "ValidationException"
    assert err(lambda: kms.create_key(KeySpec="ECC_NIST_P256")) == "ValidationException"
    assert err(lambda: kms.create_key(KeySpec="HMAC_256", KeyUsage="ENCRYPT_DECRYPT")) == "ValidationException"
    assert err(lambda: kms.sign(KeyId=key, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")) == \
        "InvalidKeyUsageException"
    assert err(lambda: kms.get_public_key(KeyId=key)) == "UnsupportedOperationException"
    assert err(lambda: kms.encrypt(KeyId=key, Plaintext=b"x", GrantTokens=["bogus"])) == \
        "InvalidGrantTokenException"


# ---- key states -------------------------------------------------------------------------------

def test_disabled_key_refuses_use(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    kms.disable_key(KeyId=key)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Disabled"
    assert err(lambda: kms.encrypt(KeyId=key, Plaintext=b"x")) == "DisabledException"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob)) == "DisabledException"
    assert err(lambda: kms.generate_data_key(KeyId=key, KeySpec="AES_256")) == "DisabledException"
    kms.enable_key(KeyId=key)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_pending_deletion_refuses_use_then_key_is_deleted(make_server):
    # A KMS "day" of 0.2 s: the 30-day window (6 s) outlasts the checks on a loaded machine.
    kms = make_server(env={"RAMPART_KMS_DAY_SECONDS": "0.2"}).client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/doomed", TargetKeyId=key)
    blob = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    out = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=30)
    assert out["KeyState"] == "PendingDeletion" and out["PendingWindowInDays"] == 30
    assert err(lambda: kms.encrypt(KeyId=key, Plaintext=b"x")) == "KMSInvalidStateException"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob)) == "KMSInvalidStateException"
    assert err(lambda: kms.enable_key(KeyId=key)) == "KMSInvalidStateException"
    kms.cancel_key_deletion(KeyId=key)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Disabled"
    kms.enable_key(KeyId=key)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)  # 1.4 s on this server
    wait_gone(lambda: kms.describe_key(KeyId=key), 15)
    assert err(lambda: kms.describe_key(KeyId=key)) == "NotFoundException"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob)) == "NotFoundException"
    assert "alias/doomed" not in [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
    assert key not in [k["KeyId"] for k in kms.list_keys()["Keys"]]


# ---- aliases and tags ---------------------------------------------------------------------------

def test_aliases(kms):
    a = kms.create_key()["KeyMetadata"]
    b = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=a["KeyId"])
    assert err(lambda: kms.create_alias(AliasName="alias/app", TargetKeyId=b["KeyId"])) == "AlreadyExistsException"
    assert err(lambda: kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=a["KeyId"])) == \
        "InvalidAliasNameException"
    assert err(lambda: kms.create_alias(AliasName="noprefix", TargetKeyId=a["KeyId"])) in \
        ("InvalidAliasNameException", "ValidationException")
    blob = kms.encrypt(KeyId="alias/app", Plaintext=b"via alias")["CiphertextBlob"]
    assert kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == a["KeyId"]
    alias_arn = a["Arn"].replace(":key/" + a["KeyId"], ":alias/app")
    assert kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["KeyId"] == a["KeyId"]
    listed = {x["AliasName"]: x for x in kms.list_aliases()["Aliases"]}
    assert listed["alias/app"]["TargetKeyId"] == a["KeyId"] and listed["alias/app"]["AliasArn"] == alias_arn
    assert [x["AliasName"] for x in kms.list_aliases(KeyId=a["KeyId"])["Aliases"]] == ["alias/app"]
    kms.update_alias(AliasName="alias/app", TargetKeyId=b["KeyId"])
    assert kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == b["KeyId"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"via alias"
    kms.delete_alias(AliasName="alias/app")
    assert err(lambda: kms.delete_alias(AliasName="alias/app")) == "NotFoundException"


def test_tags(kms):
    key = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "red"}])["KeyMetadata"]["KeyId"]
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "env", "TagValue": "prod"}])
    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key)["Tags"]}
    assert tags == {"team": "red", "env": "prod"}
    kms.untag_resource(KeyId=key, TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "env", "TagValue": "prod"}]
    assert err(lambda: kms.tag_resource(KeyId=key, Tags=[{"TagKey": "aws:x", "TagValue": "1"}])) == "TagException"


# ---- asymmetric and HMAC ----------------------------------------------------------------------

def openssl_verify(pub_der, message, signature, digest, pss=False):
    with tempfile.TemporaryDirectory() as d:
        paths = {n: os.path.join(d, n) for n in ("pub.der", "msg", "sig")}
        for n, data in (("pub.der", pub_der), ("msg", message), ("sig", signature)):
            open(paths[n], "wb").write(data)
        cmd = ["openssl", "dgst", "-" + digest, "-verify", paths["pub.der"], "-keyform", "DER",
               "-signature", paths["sig"]]
        if pss:
            cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"]
        return subprocess.run(cmd + [paths["msg"]], capture_output=True, text=True)


@pytest.mark.parametrize("spec,alg,digest,pss", [
    ("ECC_NIST_P256", "ECDSA_SHA_256", "sha256", False),
    ("ECC_NIST_P384", "ECDSA_SHA_384", "sha384", False),
    ("ECC_NIST_P521", "ECDSA_SHA_512", "sha512", False),
    ("ECC_SECG_P256K1", "ECDSA_SHA_256", "sha256", False),
    ("RSA_2048", "RSASSA_PSS_SHA_256", "sha256", True),
    ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384", "sha384", False),
    ("RSA_3072", "RSASSA_PKCS1_V1_5_SHA_512", "sha512", False),
])
def test_sign_verified_by_openssl(kms, spec, alg, digest, pss):
    key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert alg in key["SigningAlgorithms"]
    pub = kms.get_public_key(KeyId=key["KeyId"])
    assert pub["KeySpec"] == spec and pub["KeyUsage"] == "SIGN_VERIFY"
    msg = b"message to sign " * 10
    sig = kms.sign(KeyId=key["KeyId"], Message=msg, SigningAlgorithm=alg)["Signature"]
    r = openssl_verify(pub["PublicKey"], msg, sig, digest, pss)
    assert r.returncode == 0 and "Verified OK" in r.stdout, r.stderr
    assert kms.verify(KeyId=key["KeyId"], Message=msg, Signature=sig, SigningAlgorithm=alg)["SignatureValid"]
    # DIGEST message type: sign the hash, the same signature verifies over the message.
    h = hashlib.new(digest, msg).digest()
    sig2 = kms.sign(KeyId=key["KeyId"], Message=h, MessageType="DIGEST", SigningAlgorithm=alg)["Signature"]
    assert openssl_verify(pub["PublicKey"], msg, sig2, digest, pss).returncode == 0
    assert err(lambda: kms.verify(KeyId=key["KeyId"], Message=msg + b"!", Signature=sig,
                                  SigningAlgorithm=alg)) == "KMSInvalidSignatureException"
    assert err(lambda: kms.sign(KeyId=key["KeyId"], Message=b"short", MessageType="DIGEST",
                                SigningAlgorithm=alg)) == "ValidationException"


def test_rsa_encryption(kms):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    pub = serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    ct = pub.encrypt(b"outside", padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                algorithm=hashes.SHA256(), label=None))
    out = kms.decrypt(KeyId=key["KeyId"], CiphertextBlob=ct, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert out["Plaintext"] == b"outside"
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"inside", EncryptionAlgorithm="RSAES_OAEP_SHA_1")["CiphertextBlob"]
    assert kms.decrypt(KeyId=key["KeyId"], CiphertextBlob=blob,
                       EncryptionAlgorithm="RSAES_OAEP_SHA_1")["Plaintext"] == b"inside"
    assert err(lambda: kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")) == "InvalidKeyUsageException"


def test_data_key_pair(kms):
    from cryptography.hazmat.primitives import serialization
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    out = kms.generate_data_key_pair(KeyId=key, KeyPairSpec="ECC_NIST_P256", EncryptionContext={"p": "q"})
    priv = serialization.load_der_private_key(out["PrivateKeyPlaintext"], None)
    pub = serialization.load_der_public_key(out["PublicKey"])
    assert priv.public_key().public_numbers() == pub.public_numbers()
    back = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext={"p": "q"})
    assert back["Plaintext"] == out["PrivateKeyPlaintext"]
    wp = kms.generate_data_key_pair_without_plaintext(KeyId=key, KeyPairSpec="RSA_2048")
    assert "PrivateKeyPlaintext" not in wp and wp["KeyPairSpec"] == "RSA_2048"


@pytest.mark.parametrize("spec", ["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"])
def test_hmac(kms, spec):
    alg = "HMAC_SHA_" + spec[5:]
    key = kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    assert key["MacAlgorithms"] == [alg]
    mac = kms.generate_mac(KeyId=key["KeyId"], Message=b"data", MacAlgorithm=alg)["Mac"]
    assert len(mac) == int(spec[5:]) // 8
    assert kms.verify_mac(KeyId=key["KeyId"], Message=b"data", Mac=mac, MacAlgorithm=alg)["MacValid"]
    assert err(lambda: kms.verify_mac(KeyId=key["KeyId"], Message=b"datA", Mac=mac,
                                      MacAlgorithm=alg)) == "KMSInvalidMacException"
    other = "HMAC_SHA_256" if alg != "HMAC_SHA_256" else "HMAC_SHA_512"
    assert err(lambda: kms.generate_mac(KeyId=key["KeyId"], Message=b"d", MacAlgorithm=other)) == \
        "InvalidKeyUsageException"
    assert err(lambda: kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")) == "InvalidKeyUsageException"


# ---- rotation and imported material ---------------------------------------------------------------

def test_rotation_keeps_old_ciphertexts_readable(fast):
    kms = fast.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    old = kms.encrypt(KeyId=key, Plaintext=b"before rotation")["CiphertextBlob"]
    kms.enable_key_rotation(KeyId=key)
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    time.sleep(365 * 0.02 + 1.5)  # one rotation period on this server
    new = kms.encrypt(KeyId=key, Plaintext=b"after rotation")["CiphertextBlob"]
    assert new[30:34] != old[30:34], "the material version in the blob advanced"
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before rotation"
    assert kms.decrypt(CiphertextBlob=new)["Plaintext"] == b"after rotation"
    kms.disable_key_rotation(KeyId=key)
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    asym = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    assert err(lambda: kms.enable_key_rotation(KeyId=asym)) == "UnsupportedOperationException"


def wrap(public_der, material):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    pub = serialization.load_der_public_key(public_der)
    return pub.encrypt(material, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                              algorithm=hashes.SHA256(), label=None))


def test_imported_material(fast):
    kms = fast.client("kms")
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    assert key["KeyState"] == "PendingImport" and key["Origin"] == "EXTERNAL"
    kid = key["KeyId"]
    assert err(lambda: kms.encrypt(KeyId=kid, Plaintext=b"x")) == "KMSInvalidStateException"
    material = os.urandom(32)
    p = kms.get_parameters_for_import(KeyId=kid, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                      WrappingKeySpec="RSA_2048")
    assert err(lambda: kms.import_key_material(KeyId=kid, ImportToken=b"wrong" * 4,
                                               EncryptedKeyMaterial=wrap(p["PublicKey"], material),
                                               ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")) == \
        "InvalidImportTokenException"
    kms.import_key_material(KeyId=kid, ImportToken=p["ImportToken"],
                            EncryptedKeyMaterial=wrap(p["PublicKey"], material),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Enabled"
    blob = kms.encrypt(KeyId=kid, Plaintext=b"imported")["CiphertextBlob"]
    # The material really is ours: decrypt the blob locally with it (format in docs/KMS.md).
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    assert AESGCM(material).decrypt(blob[34:46], blob[46:], blob[:34]) == b"imported"
    kms.delete_imported_key_material(KeyId=kid)
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "PendingImport"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob)) == "KMSInvalidStateException"
    # Re-import: other material is refused, the same material brings old ciphertexts back.
    p = kms.get_parameters_for_import(KeyId=kid, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                      WrappingKeySpec="RSA_2048")
    assert err(lambda: kms.import_key_material(KeyId=kid, ImportToken=p["ImportToken"],
                                               EncryptedKeyMaterial=wrap(p["PublicKey"], os.urandom(32)),
                                               ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")) == \
        "IncorrectKeyMaterialException"
    kms.import_key_material(KeyId=kid, ImportToken=p["ImportToken"],
                            EncryptedKeyMaterial=wrap(p["PublicKey"], material),
                            ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=time.time() + 2)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"
    time.sleep(3)  # ValidTo passed: the material is deleted
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "PendingImport"
    assert err(lambda: kms.decrypt(CiphertextBlob=blob)) == "KMSInvalidStateException"
    plain = kms.create_key()["KeyMetadata"]["KeyId"]
    assert err(lambda: kms.get_parameters_for_import(KeyId=plain, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                                     WrappingKeySpec="RSA_2048")) == "UnsupportedOperationException"


# ---- key policies and grants ----------------------------------------------------------------------

def test_default_policy_lets_iam_decide(server, kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    _, nobody = make_user(server)
    assert err(lambda: nobody.encrypt(KeyId=key, Plaintext=b"x")) == "AccessDeniedException"
    _, allowed = make_user(server, ALLOW_KMS)
    blob = allowed.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    assert allowed.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_key_policy_denying_the_accounts_users(server, kms):
    acct = account_of(server)
    user_arn, user = make_user(server, ALLOW_KMS)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "no-users", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
         "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalType": "User"}}}]}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    blob = user.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    assert err(lambda: user.decrypt(CiphertextBlob=blob)) == "AccessDeniedException"
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"  # the root is not a User


def test_key_policy_without_the_account_denies_even_root(server, kms):
    user_arn, user = make_user(server, ALLOW_KMS)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "kms:*", "Resource": "*"}]}
    assert err(lambda: kms.create_key(Policy=json.dumps(policy))) == "MalformedPolicyDocumentException"
    key = kms.create_key(Policy=json.dumps(policy), BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
    assert err(lambda: kms.encrypt(KeyId=key, Plaintext=b"x")) == "AccessDeniedException"
    assert err(lambda: kms.describe_key(KeyId=key)) == "AccessDeniedException"
    assert user.describe_key(KeyId=key)["KeyMetadata"]["KeyId"] == key


def test_key_policy_condition_keys(server, kms):
    acct = account_of(server)
    user_arn, user = make_user(server)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": ["kms:Encrypt", "kms:Decrypt"],
         "Resource": "*", "Condition": {
             "StringEquals": {"kms:EncryptionContext:tenant": "t1", "kms:CallerAccount": acct}}}]}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    blob = user.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"tenant": "t1"})["CiphertextBlob"]
    assert user.decrypt(CiphertextBlob=blob, EncryptionContext={"tenant": "t1"})["Plaintext"] == b"x"
    assert err(lambda: user.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"tenant": "t2"})) == \
        "AccessDeniedException"
    assert err(lambda: user.encrypt(KeyId=key, Plaintext=b"x")) == "AccessDeniedException"


def test_put_key_policy_lockout_check(server, kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    user_arn, _ = make_user(server)
    lockout = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "kms:Encrypt", "Resource": "*"}]})
    assert err(lambda: kms.put_key_policy(KeyId=key, PolicyName="default", Policy=lockout)) == \
        "MalformedPolicyDocumentException"
    assert err(lambda: kms.put_key_policy(KeyId=key, PolicyName="default", Policy="{not json")) == \
        "MalformedPolicyDocumentException"
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=lockout, BypassPolicyLockoutSafetyCheck=True)
    # The cached compiled policy was replaced: the root is now locked out.
    assert err(lambda: kms.encrypt(KeyId=key, Plaintext=b"x")) == "AccessDeniedException"


def test_reencrypt_needs_reencrypt_to_on_the_destination_key(server, kms):
    src = kms.create_key()["KeyMetadata"]["KeyId"]
    dst = kms.create_key()["KeyMetadata"]["Arn"]
    blob = kms.encrypt(KeyId=src, Plaintext=b"moving")["CiphertextBlob"]
    from_only = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kms:ReEncryptFrom", "kms:Encrypt"], "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:ReEncryptTo", "Resource": "*",
         "Condition": {"StringEquals": {"kms:EncryptionContext:purpose": "archive"}}}]}
    _, user = make_user(server, from_only)
    # ReEncryptFrom on the source is not enough: the destination key needs ReEncryptTo, and the
    # condition sees the destination context.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.re_encrypt(CiphertextBlob=blob, DestinationKeyId=dst)
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "kms:ReEncryptTo" in e.value.response["Error"]["Message"]
    assert dst in e.value.response["Error"]["Message"]
    out = user.re_encrypt(CiphertextBlob=blob, DestinationKeyId=dst,
                          DestinationEncryptionContext={"purpose": "archive"})
    assert out["KeyId"] == dst
    # A grant for ReEncryptTo on the destination key lets a user with only ReEncryptFrom in.
    _, granted = make_user(server, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:ReEncryptFrom", "Resource": "*"}]})
    assert err(lambda: granted.re_encrypt(CiphertextBlob=blob, DestinationKeyId=dst)) == \
        "AccessDeniedException"
    grantee = server.client("sts", key=granted._request_signer._credentials.access_key,
                            secret=granted._request_signer._credentials.secret_key
                            ).get_caller_identity()["Arn"]
    kms.create_grant(KeyId=dst, GranteePrincipal=grantee, Operations=["ReEncryptTo"])
    assert granted.re_encrypt(CiphertextBlob=blob, DestinationKeyId=dst)["KeyId"] == dst
    # A key policy on the destination that denies ReEncryptTo wins over the IAM allow.
    account = account_of(server)
    kms.put_key_policy(KeyId=dst, PolicyName="default", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account},
             "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "kms:ReEncryptTo", "Resource": "*"}]}))
    assert err(lambda: kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=dst)) == \
        "AccessDeniedException"


def test_grant_lets_user_without_iam_permission_encrypt(server, kms):
    user_arn, user = make_user(server)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert err(lambda: user.encrypt(KeyId=key, Plaintext=b"x")) == "AccessDeniedException"
    g = kms.create_grant(KeyId=key, GranteePrincipal=user_arn, Operations=["Encrypt", "Decrypt"],
                         RetiringPrincipal=user_arn, Name="app")
    blob = user.encrypt(KeyId=key, Plaintext=b"granted", GrantTokens=[g["GrantToken"]])["CiphertextBlob"]
    assert user.decrypt(CiphertextBlob=blob)["Plaintext"] == b"granted"
    assert err(lambda: user.generate_data_key(KeyId=key, KeySpec="AES_256")) == "AccessDeniedException"
    grants = kms.list_grants(KeyId=key)["Grants"]
    assert [x["GrantId"] for x in grants] == [g["GrantId"]]
    assert grants[0]["Operations"] == ["Encrypt", "Decrypt"] and grants[0]["GranteePrincipal"] == user_arn
    assert [x["GrantId"] for x in kms.list_retirable_grants(RetiringPrincipal=user_arn)["Grants"]] == [g["GrantId"]]
    user.retire_grant(GrantToken=g["GrantToken"])
    assert kms.list_grants(KeyId=key)["Grants"] == []
    assert err(lambda: user.encrypt(KeyId=key, Plaintext=b"x")) == "AccessDeniedException"


def test_explicit_deny_overrides_a_grant(server, kms):
    deny = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*"}]}
    user_arn, user = make_user(server, deny)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_grant(KeyId=key, GranteePrincipal=user_arn, Operations=["Encrypt", "Decrypt"])
    assert err(lambda: user.encrypt(KeyId=key, Plaintext=b"x")) == "AccessDeniedException"


def test_grant_constraints_and_revoke(server, kms):
    user_arn, user = make_user(server)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    g = kms.create_grant(KeyId=key, GranteePrincipal=user_arn, Operations=["Encrypt"],
                         Constraints={"EncryptionContextSubset": {"dept": "eng"}})
    user.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"dept": "eng", "x": "y"})
    assert err(lambda: user.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"dept": "ops"})) == \
        "AccessDeniedException"
    assert err(lambda: user.encrypt(KeyId=key, Plaintext=b"x")) == "AccessDeniedException"
    e = kms.create_grant(KeyId=key, GranteePrincipal=user_arn, Operations=["Encrypt"],
                         Constraints={"EncryptionContextEquals": {"only": "this"}})
    user.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"only": "this"})
    assert err(lambda: user.encrypt(KeyId=key, Plaintext=b"x",
                                    EncryptionContext={"only": "this", "and": "more"})) == "AccessDeniedException"
    kms.revoke_grant(KeyId=key, GrantId=g["GrantId"])
    kms.revoke_grant(KeyId=key, GrantId=e["GrantId"])
    assert err(lambda: user.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"only": "this"})) == \
        "AccessDeniedException"
    assert err(lambda: kms.revoke_grant(KeyId=key, GrantId=g["GrantId"])) in \
        ("InvalidGrantIdException", "NotFoundException")


# ---- audit --------------------------------------------------------------------------------------

def test_cloudtrail_redacts_plaintext(server, kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.encrypt(KeyId=key, Plaintext=b"top-secret-plaintext")
    kms.generate_data_key(KeyId=key, KeySpec="AES_256")
    ct = server.client("cloudtrail")
    deadline = time.time() + 10
    events = []
    while time.time() < deadline:
        events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                     "AttributeValue": "Encrypt"}])["Events"]
        if events:
            break
        time.sleep(0.2)
    assert events
    record = events[0]["CloudTrailEvent"]
    assert "top-secret-plaintext" not in record
    assert base64.b64encode(b"top-secret-plaintext").decode() not in record
    gdk = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                              "AttributeValue": "GenerateDataKey"}])["Events"]
    assert gdk and '"plaintext"' not in gdk[0]["CloudTrailEvent"].lower().replace("hidden", "")


def test_a_grant_with_create_grant_cannot_escalate(server, kms):
    """AWS's rule: a grantee creating grants through its grant gets a subset of the grant's
    operations under the same or stricter constraints, never more."""
    user_arn, user = make_user(server)
    other_arn, other = make_user(server)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_grant(KeyId=key, GranteePrincipal=user_arn, Operations=["Encrypt", "CreateGrant"],
                     Constraints={"EncryptionContextSubset": {"dept": "eng"}})
    # Adding Decrypt (for itself or another) is refused.
    for ops in (["Decrypt"], ["Encrypt", "Decrypt"], ["ReEncryptFrom"]):
        assert err(lambda: user.create_grant(KeyId=key, GranteePrincipal=user_arn, Operations=ops,
                                             Constraints={"EncryptionContextSubset": {"dept": "eng"}})) \
            == "AccessDeniedException"
    # Dropping or loosening the constraint is refused.
    assert err(lambda: user.create_grant(KeyId=key, GranteePrincipal=other_arn,
                                         Operations=["Encrypt"])) == "AccessDeniedException"
    assert err(lambda: user.create_grant(KeyId=key, GranteePrincipal=other_arn, Operations=["Encrypt"],
                                         Constraints={"EncryptionContextSubset": {"dept": "ops"}})) \
        == "AccessDeniedException"
    # The same or stricter is allowed.
    user.create_grant(KeyId=key, GranteePrincipal=other_arn, Operations=["Encrypt"],
                      Constraints={"EncryptionContextSubset": {"dept": "eng", "team": "a"}})
    user.create_grant(KeyId=key, GranteePrincipal=other_arn, Operations=["Encrypt"],
                      Constraints={"EncryptionContextEquals": {"dept": "eng"}})
    other.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"dept": "eng"})
    assert err(lambda: other.decrypt(CiphertextBlob=kms.encrypt(
        KeyId=key, Plaintext=b"x", EncryptionContext={"dept": "eng"})["CiphertextBlob"],
        EncryptionContext={"dept": "eng"})) == "AccessDeniedException"


def test_retire_rights_cover_only_their_own_grant(server, kms):
    user_arn, user = make_user(server)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    mine = kms.create_grant(KeyId=key, GranteePrincipal=user_arn, Operations=["Encrypt", "RetireGrant"])
    theirs = kms.create_grant(KeyId=key, GranteePrincipal=account_arn(server), Operations=["Decrypt"])
    assert err(lambda: user.retire_grant(KeyId=key, GrantId=theirs["GrantId"])) == "AccessDeniedException"
    user.retire_grant(KeyId=key, GrantId=mine["GrantId"])
    assert [g["GrantId"] for g in kms.list_grants(KeyId=key)["Grants"]] == [theirs["GrantId"]]


def account_arn(server):
    return "arn:aws:iam::%s:root" % account_of(server)


def test_pkcs1_v1_5_wrapping_is_refused_as_aws_does(kms):
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_PKCS1_V1_5",
                                      WrappingKeySpec="RSA_2048")
    assert "October 10, 2023" in e.value.response["Error"]["Message"]
    kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                  WrappingKeySpec="RSA_2048")


def test_aws_managed_aliases_are_listed_in_name_order(kms):
    # AWS lists the AWS managed aliases (alias/aws/<service>) of an account with their name and
    # ARN, without a target until the service makes its key.
    k = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/zz-managed-order", TargetKeyId=k["KeyId"])
    names, marker = [], None
    while True:
        page = kms.list_aliases(Limit=7, **({"Marker": marker} if marker else {}))
        names += [a["AliasName"] for a in page["Aliases"]]
        for a in page["Aliases"]:
            if a["AliasName"].startswith("alias/aws/"):
                assert "TargetKeyId" not in a and a["AliasArn"].endswith(":" + a["AliasName"])
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert names == sorted(names) and len(names) == len(set(names))
    assert {"alias/aws/s3", "alias/aws/ebs", "alias/aws/lambda"} <= set(names)
    assert "alias/zz-managed-order" in names
    filtered = kms.list_aliases(KeyId=k["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in filtered] == ["alias/zz-managed-order"]


def test_enable_key_rotation_names_a_key_not_an_alias(kms):
    # The API reference: EnableKeyRotation's KeyId is a key ID or key ARN. An alias is refused
    # as moto's AWS-derived tests expect: NotFoundException "Invalid keyId alias/...".
    k = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/rot-by-alias", TargetKeyId=k["KeyId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.enable_key_rotation(KeyId="alias/rot-by-alias")
    assert e.value.response["Error"]["Code"] == "NotFoundException"
    assert e.value.response["Error"]["Message"] == "Invalid keyId alias/rot-by-alias"
    kms.enable_key_rotation(KeyId=k["Arn"])
    assert kms.get_key_rotation_status(KeyId=k["KeyId"])["KeyRotationEnabled"]


def test_multi_region_keys_replicate_and_move_their_primary(fast):
    server = fast
    # KMS Developer Guide, "Multi-Region keys": one key id ("mrk-" + 32 hex digits) in several
    # Regions, sharing key material, so what one Region encrypts another decrypts.
    east, west = server.client("kms"), server.client("kms", region="us-west-2")
    md = east.create_key(MultiRegion=True, Description="mrk")["KeyMetadata"]
    kid = md["KeyId"]
    assert kid.startswith("mrk-") and len(kid) == 36 and md["MultiRegion"] is True
    assert md["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "PRIMARY",
        "PrimaryKey": {"Arn": md["Arn"], "Region": "us-east-1"}, "ReplicaKeys": []}
    blob = east.encrypt(KeyId=kid, Plaintext=b"both sides")["CiphertextBlob"]
    assert err(lambda: west.describe_key(KeyId=kid)) == "NotFoundException"  # not there yet

    rep = east.replicate_key(KeyId=kid, ReplicaRegion="us-west-2", Description="copy",
                             Tags=[{"TagKey": "side", "TagValue": "west"}])
    west_arn = md["Arn"].replace("us-east-1", "us-west-2")
    assert rep["ReplicaKeyMetadata"]["Arn"] == west_arn
    assert rep["ReplicaKeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert rep["ReplicaTags"] == [{"TagKey": "side", "TagValue": "west"}]
    assert json.loads(rep["ReplicaPolicy"])["Statement"]
    assert east.describe_key(KeyId=kid)["KeyMetadata"]["MultiRegionConfiguration"]["ReplicaKeys"] \
        == [{"Arn": west_arn, "Region": "us-west-2"}]
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"both sides"
    assert west.decrypt(CiphertextBlob=blob)["KeyId"] == west_arn
    back = west.encrypt(KeyId=kid, Plaintext=b"from the west")["CiphertextBlob"]
    assert east.decrypt(CiphertextBlob=back, KeyId=md["Arn"])["Plaintext"] == b"from the west"
    assert [k["KeyArn"] for k in west.list_keys(Limit=1000)["Keys"] if k["KeyId"] == kid] == [west_arn]
    assert [k["KeyArn"] for k in east.list_keys(Limit=1000)["Keys"] if k["KeyId"] == kid] == [md["Arn"]]

    assert err(lambda: east.replicate_key(KeyId=kid, ReplicaRegion="us-west-2")) == \
        "AlreadyExistsException"
    assert err(lambda: west.replicate_key(KeyId=kid, ReplicaRegion="eu-west-1")) == \
        "UnsupportedOperationException"  # only the primary replicates
    assert err(lambda: east.replicate_key(KeyId=kid, ReplicaRegion="xx-nowhere-9")) == \
        "UnsupportedOperationException"  # a Region KMS is not in
    plain = east.create_key()["KeyMetadata"]
    assert err(lambda: east.replicate_key(KeyId=plain["KeyId"], ReplicaRegion="us-west-2")) == \
        "UnsupportedOperationException"
    assert err(lambda: west.enable_key_rotation(KeyId=kid)) == "UnsupportedOperationException"

    east.update_primary_region(KeyId=kid, PrimaryRegion="us-west-2")
    assert west.describe_key(KeyId=kid)["KeyMetadata"]["MultiRegionConfiguration"][
        "MultiRegionKeyType"] == "PRIMARY"
    assert east.describe_key(KeyId=kid)["KeyMetadata"]["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "REPLICA",
        "PrimaryKey": {"Arn": west_arn, "Region": "us-west-2"},
        "ReplicaKeys": [{"Arn": md["Arn"], "Region": "us-east-1"}]}
    assert east.decrypt(CiphertextBlob=blob)["Plaintext"] == b"both sides"
    assert west.decrypt(CiphertextBlob=back)["Plaintext"] == b"from the west"

    # The primary waits for its replicas: PendingReplicaDeletion, no date, until the last goes.
    out = west.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    assert out["KeyState"] == "PendingReplicaDeletion" and "DeletionDate" not in out
    east.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    wait_gone(lambda: east.describe_key(KeyId=kid), 10)
    assert err(lambda: east.describe_key(KeyId=kid)) == "NotFoundException"
    state = west.describe_key(KeyId=kid)["KeyMetadata"]
    assert state["KeyState"] in ("PendingDeletion",) and state["MultiRegionConfiguration"]["ReplicaKeys"] == []


def test_key_id_messages(kms):
    # AWS's answers (api_messages research, recorded KMS responses): a well-formed id of no key
    # names the key's ARN; a string that is no key id at all is "Invalid keyId <it>".
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.describe_key(KeyId="00000000-1111-4222-8333-444444444444")
    msg = e.value.response["Error"]["Message"]
    assert e.value.response["Error"]["Code"] == "NotFoundException"
    assert msg.startswith("Key 'arn:aws:kms:us-east-1:") and \
        msg.endswith(":key/00000000-1111-4222-8333-444444444444' does not exist")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.describe_key(KeyId="foo")
    assert e.value.response["Error"]["Code"] == "NotFoundException"
    assert e.value.response["Error"]["Message"] == "Invalid keyId foo"
