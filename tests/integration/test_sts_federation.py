"""AssumeRoleWithWebIdentity and AssumeRoleWithSAML against real cryptography.

OIDC: the test is the identity provider. It makes a CA and a server certificate with the openssl
CLI, serves OIDC discovery and a JWKS over HTTPS on 127.0.0.1, registers the IAM OIDC provider
with the CA's SHA-1 thumbprint and signs JWTs (RS256, PS256, ES256) with python3-cryptography.

SAML: the test signs a SAML Response's Assertion (enveloped XML signature, exclusive C14N,
RSA-SHA256). lxml is not installed, so the signed parts are written already in their exclusive
canonical form, and the document around them uses forms the server must canonicalize
(inherited namespace declarations, self-closing tags, attribute order).
"""
import base64
import datetime
import hashlib
import http.server
import json
import os
import ssl
import subprocess
import tempfile
import threading
import time
import uuid

import botocore
import botocore.config
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint_b64u(n):
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def sha1_thumbprint(pem_path):
    der = ssl.PEM_cert_to_DER_cert(open(pem_path).read())
    return hashlib.sha1(der).hexdigest()


def unsigned_sts(server):
    return server.client("sts", signature_version=botocore.UNSIGNED)


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


# ---- the OIDC identity provider --------------------------------------------------------------

class Idp:
    def __init__(self, workdir):
        self.dir = workdir
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
                "ca.pem", "-days", "2", "-subj", "/CN=Rampart Test CA", "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign", cwd=workdir)
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
                "-subj", "/CN=127.0.0.1", cwd=workdir)
        with open(os.path.join(workdir, "ext.cnf"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n")
        openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf",
                cwd=workdir)
        # The server sends its certificate and the CA's, as a real IdP sends its intermediates.
        with open(os.path.join(workdir, "chain.pem"), "w") as f:
            f.write(open(os.path.join(workdir, "srv.pem")).read())
            f.write(open(os.path.join(workdir, "ca.pem")).read())
        self.ca_thumbprint = sha1_thumbprint(os.path.join(workdir, "ca.pem"))
        self.leaf_thumbprint = sha1_thumbprint(os.path.join(workdir, "srv.pem"))

        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        rn = self.rsa.public_key().public_numbers()
        en = self.ec.public_key().public_numbers()
        self.jwks = {"keys": [
            {"kty": "RSA", "kid": "rsa1", "use": "sig", "n": uint_b64u(rn.n), "e": uint_b64u(rn.e)},
            {"kty": "EC", "kid": "ec1", "use": "sig", "crv": "P-256",
             "x": b64u(en.x.to_bytes(32, "big")), "y": b64u(en.y.to_bytes(32, "big"))},
        ]}
        self.requests = []
        idp = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                idp.requests.append(self.path)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": idp.issuer, "jwks_uri": idp.issuer + "/jwks"}
                elif self.path == "/jwks":
                    body = idp.jwks
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(workdir, "chain.pem"), os.path.join(workdir, "srv.key"))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.issuer = f"https://{self.host}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def token(self, alg="RS256", key=None, kid=None, **claims):
        now = int(time.time())
        body = {"iss": self.issuer, "sub": "user-123", "aud": "my-client", "iat": now,
                "exp": now + 600}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        header = {"alg": alg, "typ": "JWT", "kid": kid or ("ec1" if alg.startswith("ES") else "rsa1")}
        signing_input = (b64u(json.dumps(header).encode()) + "." +
                         b64u(json.dumps(body).encode())).encode()
        if alg == "RS256":
            sig = (key or self.rsa).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "PS256":
            sig = (key or self.rsa).sign(
                signing_input, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                hashes.SHA256())
        elif alg == "ES256":
            r, s = decode_dss_signature((key or self.ec).sign(signing_input, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        elif alg == "none":
            sig = b""
        else:
            raise ValueError(alg)
        return signing_input.decode() + "." + b64u(sig)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def idp():
    with tempfile.TemporaryDirectory(prefix="rampart-oidc-") as d:
        p = Idp(d)
        yield p
        p.close()


TRUST_ACTIONS = {"oidc": "sts:AssumeRoleWithWebIdentity", "saml": "sts:AssumeRoleWithSAML"}


def make_role(iam, name, provider_arn, kind, condition):
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider_arn},
        "Action": TRUST_ACTIONS[kind], "Condition": condition}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}]}))
    return arn


@pytest.fixture(scope="module")
def oidc(server, idp):
    iam = server.client("iam")
    provider = iam.create_open_id_connect_provider(
        Url=idp.issuer, ClientIDList=["my-client", "other-client"],
        ThumbprintList=[idp.ca_thumbprint])["OpenIDConnectProviderArn"]
    # AWS forms provider condition keys from the URL without https://; with a port (which AWS
    # itself does not accept in provider URLs) the key is "127.0.0.1:PORT:aud".
    role = make_role(iam, "web-role", provider, "oidc",
                     {"StringEquals": {f"{idp.host}:aud": "my-client"}})
    return {"provider": provider, "role": role, "iam": iam}


def assume_web(server, role, token, **kw):
    return unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="web-session", WebIdentityToken=token, **kw)


def test_oidc_good_token_gives_working_credentials(server, idp, oidc):
    out = assume_web(server, oidc["role"], idp.token())
    assert out["SubjectFromWebIdentityToken"] == "user-123"
    assert out["Audience"] == "my-client"
    assert out["Provider"] == idp.issuer
    assert out["AssumedRoleUser"]["Arn"].endswith(":assumed-role/web-role/web-session")
    c = out["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA")
    import boto3
    session = boto3.Session(aws_access_key_id=c["AccessKeyId"],
                            aws_secret_access_key=c["SecretAccessKey"],
                            aws_session_token=c["SessionToken"], region_name="us-east-1")
    cfg = botocore.config.Config(retries={"max_attempts": 1})
    who = session.client("sts", endpoint_url=server.endpoint, config=cfg).get_caller_identity()
    assert who["Arn"] == out["AssumedRoleUser"]["Arn"]
    role = session.client("iam", endpoint_url=server.endpoint, config=cfg).get_role(RoleName="web-role")
    assert role["Role"]["Arn"] == oidc["role"]
    # The session's permissions are the role's: nothing else.
    with pytest.raises(ClientError) as e:
        session.client("iam", endpoint_url=server.endpoint, config=cfg).list_users()
    assert error_code(e) == "AccessDenied"


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_oidc_other_algorithms(server, idp, oidc, alg):
    out = assume_web(server, oidc["role"], idp.token(alg=alg))
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_oidc_jwks_is_cached(server, idp, oidc):
    assume_web(server, oidc["role"], idp.token())
    before = len(idp.requests)
    assume_web(server, oidc["role"], idp.token())
    assert len(idp.requests) == before


def test_oidc_audience_not_a_client_id(server, idp, oidc):
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], idp.token(aud="someone-else"))
    assert error_code(e) == "InvalidIdentityToken"
    assert "audience" in str(e.value)


def test_oidc_trust_policy_condition_on_aud(server, idp, oidc):
    # "other-client" is a client id of the provider, but the trust policy wants "my-client".
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], idp.token(aud="other-client"))
    assert error_code(e) == "AccessDenied"
    assert "Not authorized to perform sts:AssumeRoleWithWebIdentity" in str(e.value)


def test_oidc_expired_token(server, idp, oidc):
    now = int(time.time())
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], idp.token(iat=now - 3600, exp=now - 1200))
    assert error_code(e) == "ExpiredTokenException"


def test_oidc_not_yet_valid(server, idp, oidc):
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], idp.token(nbf=int(time.time()) + 3600))
    assert error_code(e) == "InvalidIdentityToken"


def test_oidc_tampered_payload(server, idp, oidc):
    token = idp.token()
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "admin"
    forged = head + "." + b64u(json.dumps(claims).encode()) + "." + sig
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], forged)
    assert error_code(e) == "InvalidIdentityToken"


def test_oidc_wrong_key(server, idp, oidc):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], idp.token(key=other))
    assert error_code(e) == "InvalidIdentityToken"


def test_oidc_unsigned_token(server, idp, oidc):
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], idp.token(alg="none"))
    assert error_code(e) == "InvalidIdentityToken"


def test_oidc_not_a_jwt(server, idp, oidc):
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], "not-a-token-at-all")
    assert error_code(e) == "InvalidIdentityToken"


def test_oidc_unknown_issuer(server, idp, oidc):
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], idp.token(iss="https://unknown.example.com"))
    assert error_code(e) == "InvalidIdentityToken"
    assert "No OpenIDConnect provider found in your account for https://unknown.example.com" in str(e.value)


def test_oidc_wrong_thumbprint(server, idp, oidc):
    iam = oidc["iam"]
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=oidc["provider"], ThumbprintList=["0" * 40])
    try:
        with pytest.raises(ClientError) as e:
            assume_web(server, oidc["role"], idp.token())
        assert error_code(e) == "InvalidIdentityToken"
        assert "thumbprint" in str(e.value)
    finally:
        iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=oidc["provider"], ThumbprintList=[idp.ca_thumbprint])


def test_oidc_leaf_thumbprint_is_accepted(server, idp, oidc):
    iam = oidc["iam"]
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=oidc["provider"], ThumbprintList=[idp.leaf_thumbprint])
    try:
        assert assume_web(server, oidc["role"], idp.token())["Credentials"]
    finally:
        iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=oidc["provider"], ThumbprintList=[idp.ca_thumbprint])


def test_oidc_provider_unreachable(server, idp, oidc):
    iam = oidc["iam"]
    arn = iam.create_open_id_connect_provider(
        Url="https://127.0.0.1:1", ClientIDList=["my-client"],
        ThumbprintList=[idp.ca_thumbprint])["OpenIDConnectProviderArn"]
    try:
        with pytest.raises(ClientError) as e:
            assume_web(server, oidc["role"], idp.token(iss="https://127.0.0.1:1"))
        assert error_code(e) == "IDPCommunicationError"
    finally:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)


def test_oidc_duration_limit(server, idp, oidc):
    with pytest.raises(ClientError) as e:
        assume_web(server, oidc["role"], idp.token(), DurationSeconds=7200)
    assert error_code(e) == "ValidationError"


# ---- SAML ------------------------------------------------------------------------------------

NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SAML_ISSUER = "https://idp.example.test/saml"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class SamlIdp:
    def __init__(self, workdir):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "saml.key", "-out",
                "saml.pem", "-days", "2", "-subj", "/CN=saml-idp", cwd=workdir)
        self.key = serialization.load_pem_private_key(
            open(os.path.join(workdir, "saml.key"), "rb").read(), password=None)
        pem = open(os.path.join(workdir, "saml.pem")).read()
        cert_b64 = "".join(l for l in pem.splitlines() if "CERTIFICATE" not in l)
        self.metadata = (
            f'<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'entityID="{SAML_ISSUER}"><md:IDPSSODescriptor protocolSupportEnumeration='
            f'"urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing">'
            f'<ds:KeyInfo xmlns:ds="{NS_DS}"><ds:X509Data><ds:X509Certificate>{cert_b64}'
            f'</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
            f'</md:IDPSSODescriptor></md:EntityDescriptor>')

    def response(self, role_pair, session="saml-user", subject="alice@example.test",
                 not_on_or_after=None, key=None, c14n=EXC_C14N, tamper=None, sign=True,
                 duration=None, confirmation=None, assertion_id=None, source_identity=None):
        now = int(time.time())
        nooa = iso(not_on_or_after if not_on_or_after is not None else now + 300)
        aid = assertion_id or "_a" + uuid.uuid4().hex
        if confirmation is None:
            confirmation = f'NotOnOrAfter="{nooa}" Recipient="https://signin.aws.amazon.com/saml"'

        attrs = (f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
                 f'<saml:AttributeValue>{role_pair}</saml:AttributeValue></saml:Attribute>'
                 f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
                 f'<saml:AttributeValue>{session}</saml:AttributeValue></saml:Attribute>')
        if duration:
            attrs += (f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">'
                      f'<saml:AttributeValue>{duration}</saml:AttributeValue></saml:Attribute>')
        if source_identity:
            attrs += (f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SourceIdentity">'
                      f'<saml:AttributeValue>{source_identity}</saml:AttributeValue></saml:Attribute>')
        # Canonical children of the Assertion (no Signature): written in exclusive C14N form.
        issuer = f"<saml:Issuer>{SAML_ISSUER}</saml:Issuer>"
        rest = (
            f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
            f'{subject}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData {confirmation}>'
            f'</saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>'
            f'<saml:Conditions NotBefore="{iso(now - 60)}" NotOnOrAfter="{nooa}"><saml:AudienceRestriction>'
            f'<saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction>'
            f'</saml:Conditions><saml:AttributeStatement>{attrs}</saml:AttributeStatement>')
        attrs_c14n = f'ID="{aid}" IssueInstant="{iso(now)}" Version="2.0"'
        canonical = f'<saml:Assertion xmlns:saml="{NS_SAML}" {attrs_c14n}>{issuer}{rest}</saml:Assertion>'
        digest = base64.b64encode(hashlib.sha256(canonical.encode()).digest()).decode()
        signed_info_inner = (
            f'<ds:CanonicalizationMethod Algorithm="{c14n}"></ds:CanonicalizationMethod>'
            f'<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"></ds:SignatureMethod>'
            f'<ds:Reference URI="#{aid}"><ds:Transforms>'
            f'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform>'
            f'<ds:Transform Algorithm="{EXC_C14N}"></ds:Transform></ds:Transforms>'
            f'<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod>'
            f'<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>')
        signed_info_c14n = f'<ds:SignedInfo xmlns:ds="{NS_DS}">{signed_info_inner}</ds:SignedInfo>'
        sig = (key or self.key).sign(signed_info_c14n.encode(), padding.PKCS1v15(), hashes.SHA256())
        # In the document: SignedInfo inherits ds from Signature, tags are self-closed where
        # empty, and attribute order differs from the canonical order.
        doc_signed_info = "<ds:SignedInfo>" + signed_info_inner.replace(
            '"></ds:CanonicalizationMethod>', '"/>').replace('"></ds:Transform>', '" />') + "</ds:SignedInfo>"
        signature = (f'<ds:Signature xmlns:ds="{NS_DS}">{doc_signed_info}<ds:SignatureValue>'
                     f'{base64.b64encode(sig).decode()}</ds:SignatureValue></ds:Signature>') if sign else ""
        body_rest = rest if tamper is None else tamper(rest)
        assertion = (f'<saml:Assertion Version="2.0" IssueInstant="{iso(now)}" ID="{aid}">'
                     f'{issuer}{signature}{body_rest}</saml:Assertion>')
        doc = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<samlp:Response xmlns:samlp="{NS_SAMLP}" xmlns:saml="{NS_SAML}" ID="_r{uuid.uuid4().hex}" '
               f'Version="2.0" IssueInstant="{iso(now)}" Destination="https://signin.aws.amazon.com/saml">'
               f'<saml:Issuer>{SAML_ISSUER}</saml:Issuer><samlp:Status><samlp:StatusCode '
               f'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>\n'
               f'{assertion}\n</samlp:Response>')
        return base64.b64encode(doc.encode()).decode()


@pytest.fixture(scope="module")
def saml(server):
    with tempfile.TemporaryDirectory(prefix="rampart-saml-") as d:
        p = SamlIdp(d)
        iam = server.client("iam")
        provider = iam.create_saml_provider(Name="test-idp", SAMLMetadataDocument=p.metadata)[
            "SAMLProviderArn"]
        role = make_role(iam, "saml-role", provider, "saml",
                         {"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}})
        picky = make_role(iam, "saml-picky", provider, "saml",
                          {"StringEquals": {"saml:sub": "bob@example.test"}})
        yield {"idp": p, "provider": provider, "role": role, "picky": picky}


def assume_saml(server, s, role=None, **kw):
    role = role or s["role"]
    assertion = s["idp"].response(f"{role},{s['provider']}", **kw)
    return unsigned_sts(server).assume_role_with_saml(
        RoleArn=role, PrincipalArn=s["provider"], SAMLAssertion=assertion)


def test_saml_good_assertion(server, saml):
    out = assume_saml(server, saml)
    assert out["AssumedRoleUser"]["Arn"].endswith(":assumed-role/saml-role/saml-user")
    assert out["Subject"] == "alice@example.test"
    assert out["SubjectType"] == "persistent"
    assert out["Issuer"] == SAML_ISSUER
    assert out["Audience"] == "https://signin.aws.amazon.com/saml"
    account = saml["provider"].split(":")[4]
    expected = base64.b64encode(hashlib.sha1(
        (SAML_ISSUER + account + "/test-idp").encode()).digest()).decode()
    assert out["NameQualifier"] == expected
    c = out["Credentials"]
    import boto3
    session = boto3.Session(aws_access_key_id=c["AccessKeyId"],
                            aws_secret_access_key=c["SecretAccessKey"],
                            aws_session_token=c["SessionToken"], region_name="us-east-1")
    who = session.client("sts", endpoint_url=server.endpoint).get_caller_identity()
    assert who["Arn"] == out["AssumedRoleUser"]["Arn"]


def test_saml_session_duration_attribute(server, saml):
    out = assume_saml(server, saml, duration=900)
    c = out["Credentials"]
    left = c["Expiration"].timestamp() - time.time()
    assert 800 < left <= 905


def test_saml_tampered_assertion(server, saml):
    with pytest.raises(ClientError) as e:
        assume_saml(server, saml, tamper=lambda x: x.replace("alice@example.test", "bob@example.test"))
    assert error_code(e) == "InvalidIdentityToken"
    assert "digest" in str(e.value)


def test_saml_signed_by_another_key(server, saml):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ClientError) as e:
        assume_saml(server, saml, key=other)
    assert error_code(e) == "InvalidIdentityToken"


def test_saml_unsigned(server, saml):
    with pytest.raises(ClientError) as e:
        assume_saml(server, saml, sign=False)
    assert error_code(e) == "InvalidIdentityToken"


def test_saml_unsupported_canonicalization(server, saml):
    with pytest.raises(ClientError) as e:
        assume_saml(server, saml, c14n="http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    assert error_code(e) == "InvalidIdentityToken"
    assert "CanonicalizationMethod" in str(e.value)


def test_saml_expired(server, saml):
    with pytest.raises(ClientError) as e:
        assume_saml(server, saml, not_on_or_after=int(time.time()) - 1200)
    assert error_code(e) == "ExpiredTokenException"


def test_saml_role_not_in_assertion(server, saml):
    assertion = saml["idp"].response(f"{saml['picky']},{saml['provider']}")
    with pytest.raises(ClientError) as e:
        unsigned_sts(server).assume_role_with_saml(
            RoleArn=saml["role"], PrincipalArn=saml["provider"], SAMLAssertion=assertion)
    assert error_code(e) == "IDPRejectedClaim"


def test_saml_trust_policy_condition(server, saml):
    with pytest.raises(ClientError) as e:
        assume_saml(server, saml, role=saml["picky"])
    assert error_code(e) == "AccessDenied"
    out = assume_saml(server, saml, role=saml["picky"], subject="bob@example.test")
    assert out["Subject"] == "bob@example.test"
