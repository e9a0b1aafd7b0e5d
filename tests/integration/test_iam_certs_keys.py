"""SSH public keys, server certificates and signing certificates."""
import re
import shutil
import subprocess

import botocore.exceptions
import pytest


def code(exc):
    return exc.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def iam(server):
    return server.client("iam")


def ssh_keypair(tmp_path, name, bits=2048, kind="rsa"):
    path = tmp_path / name
    args = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name, "-f", str(path)]
    if kind == "rsa":
        args[4:4] = ["-b", str(bits)]
    subprocess.run(args, check=True)
    return path, (tmp_path / (name + ".pub")).read_text().strip()


def self_signed(tmp_path, name, days=365):
    key, crt = tmp_path / (name + ".key"), tmp_path / (name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(crt), "-days", str(days), "-subj", "/CN=" + name],
                   check=True, capture_output=True)
    return crt.read_text(), key.read_text()


needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="no ssh-keygen")
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl CLI")


@needs_ssh_keygen
def test_ssh_key_lifecycle(iam, tmp_path):
    iam.create_user(UserName="ssh-alice")
    path, body = ssh_keypair(tmp_path, "k1")
    k = iam.upload_ssh_public_key(UserName="ssh-alice", SSHPublicKeyBody=body)["SSHPublicKey"]
    assert k["Status"] == "Active" and k["UserName"] == "ssh-alice"
    assert re.fullmatch(r"APKA[A-Z2-7]{17}", k["SSHPublicKeyId"])
    md5 = subprocess.run(["ssh-keygen", "-l", "-E", "md5", "-f", str(path) + ".pub"],
                         check=True, capture_output=True, text=True).stdout.split()[1]
    assert md5 == "MD5:" + k["Fingerprint"]
    assert k["SSHPublicKeyBody"].split()[:2] == body.split()[:2]

    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_ssh_public_key(UserName="ssh-alice", SSHPublicKeyBody=body)
    assert code(e) == "DuplicateSSHPublicKey"

    got = iam.get_ssh_public_key(UserName="ssh-alice", SSHPublicKeyId=k["SSHPublicKeyId"],
                                 Encoding="SSH")["SSHPublicKey"]
    assert got["Fingerprint"] == k["Fingerprint"]
    pem = iam.get_ssh_public_key(UserName="ssh-alice", SSHPublicKeyId=k["SSHPublicKeyId"],
                                 Encoding="PEM")["SSHPublicKey"]["SSHPublicKeyBody"]
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    # The PEM form uploads as the same key.
    iam.create_user(UserName="ssh-pem")
    k2 = iam.upload_ssh_public_key(UserName="ssh-pem", SSHPublicKeyBody=pem)["SSHPublicKey"]
    assert k2["Fingerprint"] == k["Fingerprint"]

    listed = iam.list_ssh_public_keys(UserName="ssh-alice")["SSHPublicKeys"]
    assert [x["SSHPublicKeyId"] for x in listed] == [k["SSHPublicKeyId"]]
    iam.update_ssh_public_key(UserName="ssh-alice", SSHPublicKeyId=k["SSHPublicKeyId"],
                              Status="Inactive")
    assert iam.list_ssh_public_keys(UserName="ssh-alice")["SSHPublicKeys"][0]["Status"] == "Inactive"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_user(UserName="ssh-alice")
    assert code(e) == "DeleteConflict"
    iam.delete_ssh_public_key(UserName="ssh-alice", SSHPublicKeyId=k["SSHPublicKeyId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_ssh_public_key(UserName="ssh-alice", SSHPublicKeyId=k["SSHPublicKeyId"],
                               Encoding="SSH")
    assert code(e) == "NoSuchEntity"
    iam.delete_user(UserName="ssh-alice")


@needs_ssh_keygen
def test_ssh_key_errors_and_limit(iam, tmp_path):
    iam.create_user(UserName="ssh-bob")
    for garbage in ["not a key", "ssh-rsa !!!notbase64!!!", "ssh-rsa QUFBQQ== x",
                    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.upload_ssh_public_key(UserName="ssh-bob", SSHPublicKeyBody=garbage)
        assert code(e) in ("InvalidPublicKey", "UnrecognizedPublicKeyEncoding"), garbage
    _, ed = ssh_keypair(tmp_path, "ed", kind="ed25519")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_ssh_public_key(UserName="ssh-bob", SSHPublicKeyBody=ed)
    assert code(e) == "UnrecognizedPublicKeyEncoding"
    _, small = ssh_keypair(tmp_path, "small", bits=1024)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_ssh_public_key(UserName="ssh-bob", SSHPublicKeyBody=small)
    assert code(e) == "InvalidPublicKey"
    for i in range(5):
        _, body = ssh_keypair(tmp_path, f"lim{i}")
        iam.upload_ssh_public_key(UserName="ssh-bob", SSHPublicKeyBody=body)
    _, body = ssh_keypair(tmp_path, "lim5")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_ssh_public_key(UserName="ssh-bob", SSHPublicKeyBody=body)
    assert code(e) == "LimitExceeded"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_ssh_public_key(UserName="ssh-nobody", SSHPublicKeyBody=body)
    assert code(e) == "NoSuchEntity"


@needs_openssl
def test_server_certificate_lifecycle(server, iam, tmp_path):
    crt, key = self_signed(tmp_path, "web")
    chain, _ = self_signed(tmp_path, "ca")
    out = iam.upload_server_certificate(ServerCertificateName="web", Path="/cloudfront/",
                                        CertificateBody=crt, PrivateKey=key,
                                        CertificateChain=chain,
                                        Tags=[{"Key": "env", "Value": "test"}])
    meta = out["ServerCertificateMetadata"]
    account = server.client("sts").get_caller_identity()["Account"]
    assert meta["Arn"] == f"arn:aws:iam::{account}:server-certificate/cloudfront/web"
    assert meta["ServerCertificateId"].startswith("ASCA") and meta["Expiration"]
    assert out["Tags"] == [{"Key": "env", "Value": "test"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_server_certificate(ServerCertificateName="web", CertificateBody=crt,
                                      PrivateKey=key)
    assert code(e) == "EntityAlreadyExists"

    got = iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    assert got["CertificateBody"] == crt and got["CertificateChain"] == chain
    assert "PrivateKey" not in got and "SealedPrivateKey" not in str(got)
    listed = iam.list_server_certificates(PathPrefix="/cloudfront/")["ServerCertificateMetadataList"]
    assert [c["ServerCertificateName"] for c in listed] == ["web"]
    assert iam.list_server_certificates(PathPrefix="/other/")["ServerCertificateMetadataList"] == []

    iam.tag_server_certificate(ServerCertificateName="web", Tags=[{"Key": "k", "Value": "v"}])
    tags = iam.list_server_certificate_tags(ServerCertificateName="web")["Tags"]
    assert {t["Key"] for t in tags} == {"env", "k"}
    iam.untag_server_certificate(ServerCertificateName="web", TagKeys=["env"])
    assert iam.list_server_certificate_tags(ServerCertificateName="web")["Tags"] == [
        {"Key": "k", "Value": "v"}]

    iam.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="web2",
                                  NewPath="/")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_server_certificate(ServerCertificateName="web")
    assert code(e) == "NoSuchEntity"
    meta2 = iam.get_server_certificate(ServerCertificateName="web2")["ServerCertificate"][
        "ServerCertificateMetadata"]
    assert meta2["Arn"].endswith(":server-certificate/web2")
    iam.delete_server_certificate(ServerCertificateName="web2")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_server_certificate(ServerCertificateName="web2")
    assert code(e) == "NoSuchEntity"


@needs_openssl
def test_server_certificate_errors(iam, tmp_path):
    crt, key = self_signed(tmp_path, "a")
    _, other_key = self_signed(tmp_path, "b")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_server_certificate(ServerCertificateName="mismatch", CertificateBody=crt,
                                      PrivateKey=other_key)
    assert code(e) == "KeyPairMismatch"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_server_certificate(ServerCertificateName="garbage",
                                      CertificateBody="-----BEGIN CERTIFICATE-----\nnope\n"
                                                      "-----END CERTIFICATE-----",
                                      PrivateKey=key)
    assert code(e) == "MalformedCertificate"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_server_certificate(ServerCertificateName="badkey", CertificateBody=crt,
                                      PrivateKey="not a key")
    assert code(e) == "MalformedCertificate"


@needs_openssl
def test_signing_certificates(iam, tmp_path):
    iam.create_user(UserName="sig-alice")
    c1, _ = self_signed(tmp_path, "s1")
    c2, _ = self_signed(tmp_path, "s2")
    c3, _ = self_signed(tmp_path, "s3")
    cert = iam.upload_signing_certificate(UserName="sig-alice", CertificateBody=c1)["Certificate"]
    assert cert["Status"] == "Active" and cert["UserName"] == "sig-alice"
    assert len(cert["CertificateId"]) >= 24
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_signing_certificate(UserName="sig-alice", CertificateBody=c1)
    assert code(e) == "DuplicateCertificate"
    iam.upload_signing_certificate(UserName="sig-alice", CertificateBody=c2)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_signing_certificate(UserName="sig-alice", CertificateBody=c3)
    assert code(e) == "LimitExceeded"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_signing_certificate(UserName="sig-alice", CertificateBody="garbage")
    assert code(e) == "MalformedCertificate"
    # AWS's recorded answer (UploadSigningCertificate, 2026): the body in the message.
    assert e.value.response["Error"]["Message"] == "Certificate garbage is malformed."
    listed = iam.list_signing_certificates(UserName="sig-alice")["Certificates"]
    assert len(listed) == 2
    iam.update_signing_certificate(UserName="sig-alice", CertificateId=cert["CertificateId"],
                                   Status="Inactive")
    statuses = {c["CertificateId"]: c["Status"]
                for c in iam.list_signing_certificates(UserName="sig-alice")["Certificates"]}
    assert statuses[cert["CertificateId"]] == "Inactive"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_user(UserName="sig-alice")
    assert code(e) == "DeleteConflict"
    for c in listed:
        iam.delete_signing_certificate(UserName="sig-alice", CertificateId=c["CertificateId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_signing_certificate(UserName="sig-alice", CertificateId=cert["CertificateId"])
    assert code(e) == "NoSuchEntity"
    iam.delete_user(UserName="sig-alice")
    # The root's own signing certificates (no UserName).
    root = iam.upload_signing_certificate(CertificateBody=c3)["Certificate"]
    assert any(c["CertificateId"] == root["CertificateId"]
               for c in iam.list_signing_certificates()["Certificates"])
    iam.delete_signing_certificate(CertificateId=root["CertificateId"])
