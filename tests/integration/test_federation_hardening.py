"""Federation that holds against an attacker: JWT signatures before claims, bounded time
arithmetic, strong keys only; SAML assertions confirmed as AWS requires and never replayed;
a provider that never answers does not stall other callers; concurrent misses share one JWKS
fetch and a failed fetch is remembered."""
import base64
import json
import os
import socket
import statistics
import threading
import time

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import rsa

from test_sts_federation import (Idp, SamlIdp, assume_saml, assume_web, b64u, error_code, idp,
                                 make_role, oidc, openssl, saml, uint_b64u, unsigned_sts)


def test_the_signature_is_checked_before_any_claim(server, idp, oidc):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # Expired and with a wrong audience, but signed by a key the provider does not have: the
    # answer is about the signature, not about the claims of a token nobody vouched for.
    token = idp.token(key=other, exp=1, aud="nobody")
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], token)
    assert error_code(e) == "InvalidIdentityToken"
    assert "signature" in str(e.value) and "expired" not in str(e.value).lower()


@pytest.mark.parametrize("claims", [
    {"exp": 1e300}, {"exp": -1e300}, {"exp": 9223372036854775807}, {"exp": "soon"},
    {"nbf": 1e308}, {"iat": 18446744073709551615},
])
def test_time_claims_out_of_range_are_refused_not_overflowed(server, idp, oidc, claims):
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], idp.token(**claims))
    assert error_code(e) == "InvalidIdentityToken"
    assert server.proc.poll() is None


def test_saml_assertions_cannot_be_replayed(server, saml):
    role = saml["role"]
    assertion = saml["idp"].response(f"{role},{saml['provider']}")
    sts = unsigned_sts(server)
    sts.assume_role_with_saml(RoleArn=role, PrincipalArn=saml["provider"], SAMLAssertion=assertion)
    with pytest.raises(ClientError) as e:
        sts.assume_role_with_saml(RoleArn=role, PrincipalArn=saml["provider"],
                                  SAMLAssertion=assertion)
    assert error_code(e) == "InvalidIdentityToken" and "already used" in str(e.value)


@pytest.mark.parametrize("confirmation,why", [
    ('Recipient="https://signin.aws.amazon.com/saml"', "NotOnOrAfter"),
    (f'NotOnOrAfter="2099-01-01T00:00:00Z"', "Recipient"),
    ('NotOnOrAfter="2099-01-01T00:00:00Z" Recipient="https://evil.example.com/saml"', "Recipient"),
])
def test_saml_subject_confirmation_as_aws_requires(server, saml, confirmation, why):
    with pytest.raises(ClientError) as e:
        assume_saml(server, saml, confirmation=confirmation)
    assert error_code(e) == "InvalidIdentityToken" and why in str(e.value)


def test_saml_regional_signin_recipient_is_accepted(server, saml):
    far = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 300))
    # saml:aud is the Recipient: a role whose trust policy does not pin it to the global one.
    role = make_role(server.client("iam"), "saml-regional", saml["provider"], "saml", {})
    out = assume_saml(server, saml, role=role, confirmation=(
        f'NotOnOrAfter="{far}" Recipient="https://eu-west-1.signin.aws.amazon.com/saml"'))
    assert out["Audience"] == "https://eu-west-1.signin.aws.amazon.com/saml"


def test_saml_signing_keys_under_2048_bits_do_not_count(server, tmp_path):
    iam = server.client("iam")
    openssl("req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", "saml.key", "-out",
            "saml.pem", "-days", "2", "-subj", "/CN=weak-idp", cwd=str(tmp_path))
    weak = SamlIdp.__new__(SamlIdp)
    from cryptography.hazmat.primitives import serialization
    weak.key = serialization.load_pem_private_key(open(tmp_path / "saml.key", "rb").read(), None)
    full = SamlIdp(str(tmp_path / ".."))  # for its metadata template
    pem = open(tmp_path / "saml.pem").read()
    cert = "".join(l for l in pem.splitlines() if "CERTIFICATE" not in l)
    weak.metadata = full.metadata.split("<ds:X509Certificate>")[0] + "<ds:X509Certificate>" + \
        cert + "</ds:X509Certificate>" + full.metadata.split("</ds:X509Certificate>")[1]
    provider = iam.create_saml_provider(Name="weak-idp", SAMLMetadataDocument=weak.metadata)[
        "SAMLProviderArn"]
    role = make_role(iam, "weak-saml-role", provider, "saml", {})
    assertion = weak.response(f"{role},{provider}")
    with pytest.raises(ClientError) as e:
        unsigned_sts(server).assume_role_with_saml(RoleArn=role, PrincipalArn=provider,
                                                   SAMLAssertion=assertion)
    assert error_code(e) == "InvalidIdentityToken" and "2048" in str(e.value)


class Blackhole:
    """A TCP port that accepts connections and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                return

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_an_unanswering_provider_does_not_stall_other_callers(make_server, idp):
    s = make_server("--threads", "2")
    hole = Blackhole()
    try:
        iam = s.client("iam")
        arn = iam.create_open_id_connect_provider(
            Url=f"https://127.0.0.1:{hole.port}", ClientIDList=["my-client"],
            ThumbprintList=[idp.ca_thumbprint])["OpenIDConnectProviderArn"]
        role = make_role(iam, "hole-role", arn, "oidc", {})
        saved = idp.issuer
        idp.issuer = f"https://127.0.0.1:{hole.port}"
        token = idp.token()
        idp.issuer = saved
        errors = []

        def federated():
            try:
                assume_web(s, role, token)
            except ClientError as e:
                errors.append(e.response["Error"]["Code"])

        callers = [threading.Thread(target=federated) for _ in range(8)]  # 4x the threads
        for t in callers:
            t.start()
        time.sleep(0.3)
        sts = s.client("sts")
        latencies = []
        for _ in range(200):
            t0 = time.perf_counter()
            sts.get_caller_identity()
            latencies.append(time.perf_counter() - t0)
        for t in callers:
            t.join(60)
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        assert p99 < 0.010, f"GetCallerIdentity p99 {p99 * 1000:.1f} ms while the provider hangs"
        assert errors == ["IDPCommunicationError"] * 8
    finally:
        hole.close()


@pytest.fixture
def own_idp(tmp_path):
    p = Idp(str(tmp_path))
    yield p
    p.close()


def control_jwks(idp):
    """Makes the provider's /jwks answer after ctl["delay"] seconds, with ctl["status"]."""
    ctl = {"delay": 0.0, "status": 200}
    base = idp.httpd.RequestHandlerClass

    class Handler(base):
        def do_GET(self):
            if self.path == "/jwks":
                time.sleep(ctl["delay"])
                if ctl["status"] != 200:
                    idp.requests.append(self.path)
                    self.send_response(ctl["status"])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            base.do_GET(self)

    idp.httpd.RequestHandlerClass = Handler
    return ctl


def oidc_role(server, idp, name):
    iam = server.client("iam")
    arn = iam.create_open_id_connect_provider(
        Url=idp.issuer, ClientIDList=["my-client"],
        ThumbprintList=[idp.ca_thumbprint])["OpenIDConnectProviderArn"]
    return make_role(iam, name, arn, "oidc", {})


def test_concurrent_jwks_misses_share_one_fetch(make_server, own_idp):
    # Rule (services/sts/jwks.h): concurrent misses for one issuer share one JWKS fetch.
    ctl = control_jwks(own_idp)
    ctl["delay"] = 1.0  # every caller arrives while the one fetch is in flight
    s = make_server()
    role = oidc_role(s, own_idp, "merge-role")
    token = own_idp.token()
    clients = [unsigned_sts(s) for _ in range(8)]
    barrier = threading.Barrier(8)
    subjects = []

    def federated(sts):
        barrier.wait()
        try:
            subjects.append(sts.assume_role_with_web_identity(
                RoleArn=role, RoleSessionName="merged", WebIdentityToken=token)
                ["SubjectFromWebIdentityToken"])
        except ClientError as e:
            subjects.append(e.response["Error"]["Code"])

    callers = [threading.Thread(target=federated, args=(c,)) for c in clients]
    for t in callers:
        t.start()
    for t in callers:
        t.join(30)
    assert subjects == ["user-123"] * 8
    assert own_idp.requests.count("/.well-known/openid-configuration") == 1
    assert own_idp.requests.count("/jwks") == 1


def test_a_failed_jwks_fetch_is_remembered_not_refetched(make_server, own_idp):
    # Rule (services/sts/jwks.h, kFailureTtlSeconds = 30, hard-coded): a failed fetch is cached.
    ctl = control_jwks(own_idp)
    ctl["status"] = 500
    s = make_server()
    role = oidc_role(s, own_idp, "fail-role")
    token = own_idp.token()
    with pytest.raises(ClientError) as first:
        assume_web(s, role, token)
    assert error_code(first) == "IDPCommunicationError"
    assert own_idp.requests.count("/jwks") == 1
    ctl["status"] = 200  # the provider recovers; the remembered failure still answers
    for _ in range(5):
        time.sleep(0.5)
        with pytest.raises(ClientError) as again:
            assume_web(s, role, token)
        assert again.value.response["Error"] == first.value.response["Error"]
    assert own_idp.requests.count("/.well-known/openid-configuration") == 1
    assert own_idp.requests.count("/jwks") == 1
