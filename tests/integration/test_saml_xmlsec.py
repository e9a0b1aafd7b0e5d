"""SAML signatures, differentially: documents signed by xmlsec1 (Debian's xmlsec1, the reference
implementation of XML-DSig) in the shapes identity providers send (signed Assertion, signed
Response, both; extra namespaces with an InclusiveNamespaces prefix list; comments) verify in
Rampart exactly when `xmlsec1 --verify` says they do; and the known XML-signature-wrapping
variants, whose signature xmlsec1 still finds valid, are refused."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from test_sts_federation import make_role, openssl, unsigned_sts

pytestmark = pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="needs Debian's xmlsec1")

NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
ISSUER = "https://xmlsec-idp.example.test"
SIGNIN = "https://signin.aws.amazon.com/saml"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def signature_template(ref_id, prefix_list=None):
    incl = (f'<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" '
            f'PrefixList="{prefix_list}"/>' if prefix_list else "")
    return (f'<ds:Signature xmlns:ds="{NS_DS}"><ds:SignedInfo>'
            f'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
            f'<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
            f'<ds:Reference URI="#{ref_id}"><ds:Transforms>'
            f'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
            f'<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">{incl}</ds:Transform>'
            f'</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
            f'<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>'
            f'<ds:SignatureValue></ds:SignatureValue></ds:Signature>')


class XmlsecIdp:
    def __init__(self, workdir):
        self.dir = workdir
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out",
                "cert.pem", "-days", "2", "-subj", "/CN=xmlsec-idp", cwd=workdir)
        pem = open(os.path.join(workdir, "cert.pem")).read()
        cert = "".join(l for l in pem.splitlines() if "CERTIFICATE" not in l)
        self.metadata = (
            f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'entityID="{ISSUER}"><md:IDPSSODescriptor protocolSupportEnumeration="{NS_SAMLP}">'
            f'<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{NS_DS}"><ds:X509Data>'
            f'<ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>'
            f'</md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>')

    def document(self, role_pair, sign_assertion=True, sign_response=False, namespaces=False,
                 comments=False, subject="alice@example.test"):
        """A Response signed by xmlsec1 as asked; returns the XML text."""
        now = int(time.time())
        rid, aid = "_r" + uuid.uuid4().hex, "_a" + uuid.uuid4().hex
        xs = ' xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' \
            if namespaces else ""
        typed = ' xsi:type="xs:string"' if namespaces else ""
        note = "<!-- issued by the test IdP -->" if comments else ""
        name_id = subject.replace("@", "@<!-- c -->") if comments else subject
        assertion_sig = signature_template(aid, "xs" if namespaces else None) if sign_assertion else ""
        response_sig = signature_template(rid, "xs" if namespaces else None) if sign_response else ""
        assertion = (
            f'<saml:Assertion xmlns:saml="{NS_SAML}" ID="{aid}" IssueInstant="{iso(now)}" Version="2.0">'
            f'<saml:Issuer>{ISSUER}</saml:Issuer>{assertion_sig}{note}'
            f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
            f'{name_id}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{iso(now + 300)}" Recipient="{SIGNIN}"/>'
            f'</saml:SubjectConfirmation></saml:Subject>'
            f'<saml:Conditions NotBefore="{iso(now - 60)}" NotOnOrAfter="{iso(now + 300)}">'
            f'<saml:AudienceRestriction><saml:Audience>{SIGNIN}</saml:Audience></saml:AudienceRestriction>'
            f'</saml:Conditions><saml:AttributeStatement>'
            f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
            f'<saml:AttributeValue{typed}>{role_pair}</saml:AttributeValue></saml:Attribute>'
            f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
            f'<saml:AttributeValue{typed}>xmlsec-user</saml:AttributeValue></saml:Attribute>'
            f'</saml:AttributeStatement></saml:Assertion>')
        doc = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<samlp:Response xmlns:samlp="{NS_SAMLP}"{xs} ID="{rid}" Version="2.0" '
               f'IssueInstant="{iso(now)}" Destination="{SIGNIN}">'
               f'<saml:Issuer xmlns:saml="{NS_SAML}">{ISSUER}</saml:Issuer>{response_sig}'
               f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
               f'</samlp:Status>{assertion}</samlp:Response>')
        path = os.path.join(self.dir, f"t-{uuid.uuid4().hex}.xml")
        open(path, "w").write(doc)
        # The assertion's signature first: the Response's covers it as signed.
        if sign_assertion:
            self.sign(path, "//*[local-name()='Assertion']/*[local-name()='Signature']")
        if sign_response:
            self.sign(path, "/*[local-name()='Response']/*[local-name()='Signature']")
        return open(path).read()

    def sign(self, path, xpath):
        subprocess.run(["xmlsec1", "--sign", "--privkey-pem", os.path.join(self.dir, "key.pem"),
                        "--id-attr:ID", f"{NS_SAML}:Assertion", "--id-attr:ID", f"{NS_SAMLP}:Response",
                        "--node-xpath", xpath, "--output", path, path],
                       check=True, capture_output=True)

    def xmlsec_verifies(self, xml_text):
        """True when xmlsec1 verifies every signature of the document (the Response's and the
        Assertion's, whichever it has)."""
        path = os.path.join(self.dir, f"v-{uuid.uuid4().hex}.xml")
        open(path, "w").write(xml_text)
        checked = 0
        for xpath, present in (
                ("/*[local-name()='Response']/*[local-name()='Signature']", "<ds:Signature" in
                 xml_text[:xml_text.find("<saml:Assertion")]),
                ("//*[local-name()='Assertion']/*[local-name()='Signature']", "<ds:Signature" in
                 xml_text[xml_text.find("<saml:Assertion"):])):
            if not present:
                continue
            p = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem",
                                os.path.join(self.dir, "cert.pem"),
                                "--id-attr:ID", f"{NS_SAML}:Assertion",
                                "--id-attr:ID", f"{NS_SAMLP}:Response",
                                "--node-xpath", xpath, path], capture_output=True, text=True)
            if p.returncode != 0:
                return False
            checked += 1
        return checked > 0


@pytest.fixture(scope="module")
def xidp(server):
    with tempfile.TemporaryDirectory(prefix="rampart-xmlsec-") as d:
        p = XmlsecIdp(d)
        iam = server.client("iam")
        provider = iam.create_saml_provider(Name="xmlsec-idp", SAMLMetadataDocument=p.metadata)[
            "SAMLProviderArn"]
        role = make_role(iam, "xmlsec-role", provider, "saml", {})
        yield {"idp": p, "provider": provider, "role": role, "pair": f"{role},{provider}"}


def rampart_accepts(server, x, xml_text):
    try:
        out = unsigned_sts(server).assume_role_with_saml(
            RoleArn=x["role"], PrincipalArn=x["provider"],
            SAMLAssertion=base64.b64encode(xml_text.encode()).decode())
        return out
    except ClientError as e:
        return None


SHAPES = [
    dict(sign_assertion=True),                                     # Okta, Azure AD
    dict(sign_assertion=False, sign_response=True),                # signed Response only
    dict(sign_assertion=True, sign_response=True),                 # both (ADFS option)
    dict(sign_assertion=True, namespaces=True),                    # xs/xsi with a PrefixList
    dict(sign_assertion=False, sign_response=True, namespaces=True),
    dict(sign_assertion=True, comments=True),                      # comments, in NameID too
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: ",".join(k for k, v in s.items() if v))
def test_rampart_agrees_with_xmlsec1(server, xidp, shape):
    idp = xidp["idp"]
    doc = idp.document(xidp["pair"], **shape)
    assert idp.xmlsec_verifies(doc)
    out = rampart_accepts(server, xidp, doc)
    assert out is not None, "xmlsec1 verifies it; Rampart refused it"
    assert out["Subject"] == "alice@example.test"
    # A change after signing: xmlsec1 and Rampart both refuse it.
    tampered = doc.replace("xmlsec-user", "admin-user")
    assert not idp.xmlsec_verifies(tampered)
    assert rampart_accepts(server, xidp, tampered) is None


def evil_assertion(doc, subject="evil@attacker.test", new_id=None):
    """The signed document's assertion, its signature removed, its subject and ID changed."""
    start = doc.index("<saml:Assertion")
    end = doc.index("</saml:Assertion>") + len("</saml:Assertion>")
    a = doc[start:end]
    s0, s1 = a.find("<ds:Signature"), a.find("</ds:Signature>")
    if s0 >= 0:
        a = a[:s0] + a[s1 + len("</ds:Signature>"):]
    a = a.replace("alice@example.test", subject)
    if new_id:
        a = a.replace('ID="', f'ID="{new_id}" X="', 1)
    return a


def signed_parts(doc):
    start = doc.index("<saml:Assertion")
    end = doc.index("</saml:Assertion>") + len("</saml:Assertion>")
    return doc[:start], doc[start:end], doc[end:]


def xsw_variants(doc):
    head, signed, tail = signed_parts(doc)
    evil = evil_assertion(doc)
    evil_same_id = evil_assertion(doc)  # keeps the signed assertion's ID: duplicate IDs
    sig0, sig1 = signed.index("<ds:Signature"), signed.index("</ds:Signature>") + len("</ds:Signature>")
    signature = signed[sig0:sig1]
    unsigned_original = signed[:sig0] + signed[sig1:]
    issuer_end = evil.index("</saml:Issuer>") + len("</saml:Issuer>")
    return {
        # XSW3: an evil assertion before the signed one.
        "evil sibling before": head + evil_assertion(doc, new_id="_evil") + signed + tail,
        # XSW4: the signed assertion wrapped inside the evil one.
        "signed inside evil": head + evil.replace("</saml:Assertion>", signed + "</saml:Assertion>") + tail,
        # XSW5/6: the evil assertion carries the signature; the original sits in its ds:Object.
        "original in ds:Object": head + evil[:issuer_end] + signature.replace(
            "</ds:Signature>", f"<ds:Object>{unsigned_original}</ds:Object></ds:Signature>") +
        evil[issuer_end:] + tail,
        # XSW7: the signed assertion hidden in samlp:Extensions, the evil one in its place.
        "signed in Extensions": head + f'<samlp:Extensions>{signed}</samlp:Extensions>' + evil + tail,
        # Duplicate IDs: two assertions with the signed one's ID.
        "duplicate ID": head + signed + evil_same_id + tail,
        # The signature moved to the evil assertion, referencing the original's ID elsewhere.
        "signature moved": head + evil[:issuer_end] + signature + evil[issuer_end:] +
        f'<samlp:Extensions>{unsigned_original}</samlp:Extensions>' + tail,
    }


@pytest.mark.parametrize("variant", ["evil sibling before", "signed inside evil",
                                     "original in ds:Object", "signed in Extensions",
                                     "duplicate ID", "signature moved"])
def test_signature_wrapping_is_refused(server, xidp, variant):
    idp = xidp["idp"]
    doc = idp.document(xidp["pair"], sign_assertion=True)
    attack = xsw_variants(doc)[variant]
    assert rampart_accepts(server, xidp, attack) is None, variant


def test_a_comment_cannot_cut_the_subject_short(server, xidp):
    """The signed NameID is 'alice@example.test.evil.com'; a comment inserted after signing
    (invisible to exclusive C14N) must not make it read 'alice@example.test'."""
    idp = xidp["idp"]
    doc = idp.document(xidp["pair"], subject="alice@example.test.evil.com")
    attack = doc.replace("alice@example.test.evil.com", "alice@example.test<!---->.evil.com")
    assert idp.xmlsec_verifies(attack)  # the signature does hold
    out = rampart_accepts(server, xidp, attack)
    assert out is not None and out["Subject"] == "alice@example.test.evil.com"
