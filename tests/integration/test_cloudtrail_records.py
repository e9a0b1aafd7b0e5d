"""CloudTrail records compared with AWS's documented example records.

tests/data/cloudtrail_golden.json holds, per example, the shape of the record AWS writes (member
names, value kinds, null and absent members). Each case below makes the call the example shows,
with the request members it shows, as an IAM user with an allow-everything inline policy (or
the session the example names), finds the record with LookupEvents by the call's request id and
compares. The record must also never hold a secret the call sent or got back.

test_served_operations_without_an_example holds the operations AWS gives no example for to the
general rules: eventVersion, readOnly, responseElements, resources and no secrets.
"""
import base64
import datetime
import json
import os
import re
import tempfile
import time

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from test_sts_federation import Idp, SamlIdp, unsigned_sts

GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "..", "data",
                                     "cloudtrail_golden.json")))
CASES = {c["case"]: c for c in GOLDEN["cases"]}

# ---- shapes -------------------------------------------------------------------------------

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
PATTERNS = {
    "kms-key-arn": r"arn:aws:kms:[a-z0-9-]+:\d{12}:key/" + UUID,
    "kms-alias-arn": r"arn:aws:kms:[a-z0-9-]+:\d{12}:alias/.+",
    "alias-name": r"alias/[\w/-]+",
    "iam-user-arn": r"arn:aws:iam::\d{12}:user/.+",
    "iam-role-arn": r"arn:aws:iam::\d{12}:role/.+",
    "saml-provider-arn": r"arn:aws:iam::\d{12}:saml-provider/.+",
    "oidc-provider-arn": r"arn:aws:iam::\d{12}:oidc-provider/.+",
    "assumed-role-arn": r"arn:aws:sts::\d{12}:assumed-role/[^/]+/.+",
    "federated-user-arn": r"arn:aws:sts::\d{12}:federated-user/.+",
    "hex64": r"[0-9a-f]{64}",
    "date": r"[A-Z][a-z]{2} \d{1,2}, \d{4},? \d{1,2}:\d{2}:\d{2} [AP]M",  # Java medium date
    "iso8601": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z",
    "account": r"\d{12}",
    "uuid": UUID,
}
KINDS = {k: (lambda p: lambda v: isinstance(v, str) and re.fullmatch(p, v) is not None)(p)
         for k, p in PATTERNS.items()}
KINDS.update({
    "string": lambda v: isinstance(v, str) and v != "",
    "any-string": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
})


def mismatches(shape, value, path="record"):
    """Where `value` differs from `shape`: objects need exactly the shape's members ("absent"
    ones must be missing), lists match element by element, kinds by KINDS, the rest literally."""
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{path}: want an object, got {value!r}"]
        want = {k for k, v in shape.items() if v != "absent"}
        out = [f"{path}.{k}: missing" for k in sorted(want - value.keys())]
        out += [f"{path}.{k}: unexpected member = {json.dumps(value[k])[:120]}"
                for k in sorted(value.keys() - want)]
        for k in sorted(want & value.keys()):
            out += mismatches(shape[k], value[k], f"{path}.{k}")
        return out
    if isinstance(shape, list):
        if not isinstance(value, list) or len(value) != len(shape):
            return [f"{path}: want a list of {len(shape)}, got {json.dumps(value)[:200]}"]
        return [m for i, (s, v) in enumerate(zip(shape, value)) for m in mismatches(s, v, f"{path}[{i}]")]
    if isinstance(shape, str) and shape in KINDS:
        return [] if KINDS[shape](value) else [f"{path}: want {shape}, got {value!r}"]
    if type(shape) is not type(value) or shape != value:
        return [f"{path}: want {shape!r}, got {value!r}"]
    return []


IGNORED = {"tlsDetails"}  # AWS writes it for HTTPS calls; these tests speak plain HTTP.


def normalise(record):
    """The record as compared: members the tests do not judge removed."""
    return {k: v for k, v in record.items() if k not in IGNORED}


def expected(case_name, expect):
    """A golden expectation completed with the members every API call record has."""
    service, op = case_name.split(" ")[0].split(":")
    shape = {"eventTime": "iso8601", "eventSource": f"{service}.amazonaws.com", "eventName": op,
             "awsRegion": "us-east-1", "sourceIPAddress": "string", "userAgent": "string",
             "requestID": "string", "eventID": "uuid", "recipientAccountId": "account"}
    shape.update(expect)
    if isinstance(shape.get("userIdentity"), str):
        shape["userIdentity"] = GOLDEN["identities"][shape["userIdentity"]]
    return shape


# ---- secrets ------------------------------------------------------------------------------

def returned_secrets(obj):
    """Every blob a call returned, its secret access keys and grant tokens."""
    if isinstance(obj, bytes):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("SecretAccessKey", "GrantToken") and isinstance(v, str):
                yield v
            elif k != "ResponseMetadata":
                yield from returned_secrets(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from returned_secrets(v)


def leaks(record, secrets):
    text = json.dumps(record)
    found = []
    for s in secrets:
        forms = [s] if isinstance(s, str) else [base64.b64encode(s).decode()]
        if isinstance(s, bytes) and len(s) >= 16 and s.isascii() and s.decode().isprintable():
            forms.append(s.decode())
        found += [f[:40] + "..." for f in forms if f and f in text]
    return found


# ---- the server, the caller, the record ---------------------------------------------------

def allow_all():
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


class Ctx:
    """The test's IAM user (an administrator made by root) and its clients."""

    def __init__(self, server):
        self.server = server
        self.n = 0
        self.closers = []
        self.root_iam = server.client("iam")
        self.account = server.client("sts").get_caller_identity()["Account"]
        self.user = "ct-admin"
        self.root_iam.create_user(UserName=self.user)
        self.root_iam.put_user_policy(UserName=self.user, PolicyName="all", PolicyDocument=allow_all())
        k = self.root_iam.create_access_key(UserName=self.user)["AccessKey"]
        self.key = (k["AccessKeyId"], k["SecretAccessKey"])
        self.user_arn = f"arn:aws:iam::{self.account}:user/{self.user}"
        self.kms, self.iam, self.sts, self.ct = (self.client(s) for s in ("kms", "iam", "sts", "cloudtrail"))
        self._trail = None
        self.admin_role = self.role("ct-admin-role")

    def client(self, service):
        return self.server.client(service, key=self.key[0], secret=self.key[1])

    def uniq(self, prefix):
        self.n += 1
        return f"{prefix}-{self.n}"

    def role(self, name, trust=None):
        """A role this account's principals may assume (with tags and a source identity)."""
        trust = trust or {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.account}:root"},
                          "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}
        arn = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [trust]}))["Role"]["Arn"]
        self.iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=allow_all())
        return arn

    def session(self, service, creds):
        return self.server.session_client(service, creds)

    def admin_session(self, service):
        creds = self.sts.assume_role(RoleArn=self.admin_role, RoleSessionName="developer")["Credentials"]
        return self.session(service, creds)

    def new_key(self, **kw):
        return self.kms.create_key(**kw)["KeyMetadata"]

    def alias(self, key_id):
        name = self.uniq("alias/ct-alias")
        self.kms.create_alias(AliasName=name, TargetKeyId=key_id)
        return name

    def imported_key(self):
        """An EXTERNAL key with 32 random bytes of material imported."""
        key = self.new_key(Origin="EXTERNAL")
        p = self.kms.get_parameters_for_import(KeyId=key["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                               WrappingKeySpec="RSA_2048")
        wrapped = wrap(p["PublicKey"], os.urandom(32))
        self.kms.import_key_material(KeyId=key["KeyId"], ImportToken=p["ImportToken"],
                                     EncryptedKeyMaterial=wrapped,
                                     ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        return key, p, wrapped

    def trail(self):
        if not self._trail:
            self._trail = self.uniq("ct-golden-trail")
            self.ct.create_trail(Name=self._trail, S3BucketName="ct-golden-bucket")
        return self._trail


@pytest.fixture(scope="module")
def ctx(server):
    c = Ctx(server)
    yield c
    for close in c.closers:
        close()


def record_for(ct, event_name, request_id):
    """The record of the call with this request id (LookupEvents by EventName, newest first)."""
    args = {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": event_name}],
            "MaxResults": 50}
    for _ in range(10):
        page = ct.lookup_events(**args)
        for ev in page["Events"]:
            rec = json.loads(ev["CloudTrailEvent"])
            if rec.get("requestID") == request_id:
                return rec
        if "NextToken" not in page:
            break
        args["NextToken"] = page["NextToken"]
    raise AssertionError(f"no {event_name} record with requestID {request_id}")


def failing(call, code):
    """The error response of a call that must fail with `code`."""
    with pytest.raises(ClientError) as e:
        call()
    assert e.value.response["Error"]["Code"] == code, e.value.response
    return e.value.response


def wrap(public_der, material):
    pub = serialization.load_der_public_key(public_der)
    return pub.encrypt(material, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                              algorithm=hashes.SHA256(), label=None))


def judge(ctx, name, shape, outcome, only_listed=False):
    """Finds the record of the call `outcome` (a response, or (response, secrets it sent)) and
    returns it with its differences from `shape` and the secrets it leaks. With `only_listed`,
    members the shape does not name are not judged."""
    response, sent = outcome if isinstance(outcome, tuple) else (outcome, [])
    rec = record_for(ctx.ct, name.split(" ")[0].split(":")[1], response["ResponseMetadata"]["RequestId"])
    subject = normalise(rec)
    if only_listed:
        subject = {k: v for k, v in subject.items() if k in shape}
    problems = mismatches(shape, subject)
    problems += [f"secret in record: {s}" for s in leaks(rec, list(returned_secrets(response)) + sent)]
    return rec, problems


def no_problems(name, rec, problems):
    assert not problems, (f"{name}: {len(problems)} difference(s)\n  " + "\n  ".join(problems) +
                          "\nrecord:\n" + json.dumps(rec, indent=1))


# ---- one call per golden case -------------------------------------------------------------

CALLS = {}


def golden(name):
    def register(fn):
        CALLS[name] = fn
        return fn
    return register


@golden("kms:CancelKeyDeletion")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-cancel-key-deletion.html"""
    key = c.new_key()["KeyId"]
    c.kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    return c.kms.cancel_key_deletion(KeyId=key)


@golden("kms:CreateAlias")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-createalias.html"""
    return c.kms.create_alias(AliasName=c.uniq("alias/ExampleAlias"), TargetKeyId=c.new_key()["KeyId"])


@golden("kms:CreateGrant")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-creategrant.html (example 1)"""
    return c.kms.create_grant(KeyId=c.new_key()["Arn"], GranteePrincipal="dynamodb.amazonaws.com",
                              Operations=["Encrypt", "RetireGrant"],
                              Constraints={"EncryptionContextSubset": {"ContextKey1": "Value1"}})


def create_key(c, origin):
    return c.kms.create_key(Description="", Origin=origin, BypassPolicyLockoutSafetyCheck=False,
                            CustomerMasterKeySpec="SYMMETRIC_DEFAULT", KeySpec="SYMMETRIC_DEFAULT",
                            KeyUsage="ENCRYPT_DECRYPT")


@golden("kms:CreateKey")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-createkey.html (example 1)"""
    return create_key(c, "EXTERNAL")


@golden("kms:CreateKey (AWS_KMS origin)")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-createkey.html (example 1, AWS_KMS)"""
    return create_key(c, "AWS_KMS")


CONTEXT = {"Department": "Engineering", "Project": "Alpha"}


@golden("kms:Decrypt")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-decrypt.html (example 1)"""
    plaintext = os.urandom(32)
    blob = c.kms.encrypt(KeyId=c.new_key()["Arn"], Plaintext=plaintext, EncryptionContext=CONTEXT)["CiphertextBlob"]
    return c.kms.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT), [plaintext, blob]


@golden("kms:Decrypt (IncorrectKeyException)")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-decrypt.html (example 2)"""
    plaintext = os.urandom(32)
    blob = c.kms.encrypt(KeyId=c.new_key()["Arn"], Plaintext=plaintext, EncryptionContext=CONTEXT)["CiphertextBlob"]
    other = c.new_key()["Arn"]
    return failing(lambda: c.kms.decrypt(CiphertextBlob=blob, KeyId=other, EncryptionContext=CONTEXT),
                   "IncorrectKeyException"), [plaintext, blob]


@golden("kms:DeleteAlias")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-deletealias.html"""
    return c.kms.delete_alias(AliasName=c.alias(c.new_key()["KeyId"]))


@golden("kms:DeleteImportedKeyMaterial")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-deleteimportedkeymaterial.html"""
    key, _, _ = c.imported_key()
    return c.kms.delete_imported_key_material(KeyId=key["KeyId"])


@golden("kms:DescribeKey")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-describekey.html"""
    return c.kms.describe_key(KeyId=c.new_key()["KeyId"])


@golden("kms:DisableKey")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-disablekey.html"""
    return c.kms.disable_key(KeyId=c.new_key()["KeyId"])


@golden("kms:DisableKeyRotation")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-disable-key-rotation.html"""
    key = c.new_key()
    c.kms.enable_key_rotation(KeyId=key["KeyId"])
    return c.kms.disable_key_rotation(KeyId=key["Arn"])


@golden("kms:EnableKey")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-enablekey.html"""
    key = c.new_key()["KeyId"]
    c.kms.disable_key(KeyId=key)
    return c.kms.enable_key(KeyId=key)


@golden("kms:EnableKeyRotation")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-enablekeyrotation.html"""
    return c.kms.enable_key_rotation(KeyId=c.new_key()["KeyId"])  # no RotationPeriodInDays in boto3 1.26


@golden("kms:Encrypt")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-encrypt.html"""
    plaintext = os.urandom(32)
    return c.kms.encrypt(KeyId=c.new_key()["Arn"], Plaintext=plaintext, EncryptionAlgorithm="SYMMETRIC_DEFAULT",
                         EncryptionContext={"Department": "Engineering"}), [plaintext]


@golden("kms:GenerateDataKey")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-generatedatakey.html"""
    return c.kms.generate_data_key(KeyId=c.new_key()["KeyId"], KeySpec="AES_256", EncryptionContext=CONTEXT)


@golden("kms:GenerateDataKeyPair")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-generatedatakeypair.html"""
    return c.kms.generate_data_key_pair(KeyId=c.new_key()["KeyId"], KeyPairSpec="RSA_3072",
                                        EncryptionContext={"Project": "Alpha"})


@golden("kms:GenerateDataKeyPairWithoutPlaintext")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-generatedatakeypairwithoutplaintext.html"""
    return c.kms.generate_data_key_pair_without_plaintext(KeyId=c.new_key()["KeyId"], KeyPairSpec="RSA_4096",
                                                          EncryptionContext={"Index": "5"})


@golden("kms:GenerateDataKeyWithoutPlaintext")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-generatedatakeyplaintext.html"""
    return c.kms.generate_data_key_without_plaintext(KeyId=c.new_key()["KeyId"], KeySpec="AES_256",
                                                     EncryptionContext={"Project": "Alpha"})


@golden("kms:GenerateMac")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-generatemac.html"""
    key = c.new_key(KeySpec="HMAC_512", KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    message = os.urandom(32)
    return c.kms.generate_mac(KeyId=key, MacAlgorithm="HMAC_SHA_512", Message=message), [message]


@golden("kms:GenerateRandom")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-generaterandom.html"""
    return c.kms.generate_random(NumberOfBytes=32)


@golden("kms:GetKeyPolicy")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-getkeypolicy.html"""
    return c.kms.get_key_policy(KeyId=c.new_key()["KeyId"], PolicyName="default")


@golden("kms:GetParametersForImport")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-getparametersforimport.html"""
    return c.kms.get_parameters_for_import(KeyId=c.new_key(Origin="EXTERNAL")["KeyId"],
                                           WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")


@golden("kms:ImportKeyMaterial")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-importkeymaterial.html"""
    key = c.new_key(Origin="EXTERNAL")["KeyId"]
    p = c.kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                        WrappingKeySpec="RSA_2048")
    material = os.urandom(32)
    wrapped = wrap(p["PublicKey"], material)
    out = c.kms.import_key_material(KeyId=key, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped,
                                    ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=time.time() + 86400)
    return out, [material, wrapped, p["ImportToken"], p["PublicKey"]]


@golden("kms:ListAliases")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-listaliases.html"""
    key = c.new_key()["KeyId"]
    for _ in range(6):
        c.alias(key)
    first = c.kms.list_aliases(Limit=5)
    return c.kms.list_aliases(Limit=5, Marker=first["NextMarker"])


@golden("kms:ListGrants")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-listgrants.html"""
    key = c.new_key()["KeyId"]
    for _ in range(11):
        c.kms.create_grant(KeyId=key, GranteePrincipal=c.user_arn, Operations=["Decrypt"])
    first = c.kms.list_grants(KeyId=key, Limit=10)
    return c.kms.list_grants(KeyId=key, Limit=10, Marker=first["NextMarker"])


@golden("kms:PutKeyPolicy")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-put-key-policy.html"""
    policy = {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{c.account}:root"}, "Action": "kms:*", "Resource": "*"}]}
    return c.kms.put_key_policy(KeyId=c.new_key()["KeyId"], PolicyName="default", Policy=json.dumps(policy),
                                BypassPolicyLockoutSafetyCheck=False)


@golden("kms:ReEncrypt")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-reencrypt.html"""
    context = {"Project": "Alpha", "Department": "Engineering"}
    plaintext = os.urandom(32)
    blob = c.kms.encrypt(KeyId=c.new_key()["KeyId"], Plaintext=plaintext, EncryptionContext=context)["CiphertextBlob"]
    out = c.kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=context,
                           SourceEncryptionAlgorithm="SYMMETRIC_DEFAULT", DestinationKeyId=c.new_key()["KeyId"],
                           DestinationEncryptionAlgorithm="SYMMETRIC_DEFAULT",
                           DestinationEncryptionContext={"Level": "3A"})
    return out, [plaintext, blob]


@golden("kms:RetireGrant")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-retire-grant.html"""
    grant = c.kms.create_grant(KeyId=c.new_key()["Arn"], GranteePrincipal=c.user_arn,
                               RetiringPrincipal=c.user_arn, Operations=["Decrypt"])
    return c.kms.retire_grant(GrantToken=grant["GrantToken"]), [grant["GrantToken"]]


@golden("kms:RevokeGrant")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-revoke-grant.html"""
    key = c.new_key()["KeyId"]
    grant = c.kms.create_grant(KeyId=key, GranteePrincipal=c.user_arn, Operations=["Decrypt"])
    return c.kms.revoke_grant(KeyId=key, GrantId=grant["GrantId"]), [grant["GrantToken"]]


@golden("kms:ScheduleKeyDeletion")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-schedule-key-deletion.html"""
    return c.kms.schedule_key_deletion(KeyId=c.new_key()["KeyId"], PendingWindowInDays=20)


def signing_key(c):
    return c.new_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyId"]


@golden("kms:Sign")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-sign.html"""
    message = os.urandom(32)
    return c.kms.sign(KeyId=signing_key(c), Message=message, MessageType="RAW",
                      SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256"), [message]


@golden("kms:TagResource")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-tagresource.html"""
    return c.kms.tag_resource(KeyId=c.new_key()["Arn"], Tags=[{"TagKey": "Department", "TagValue": "IT"}])


@golden("kms:UntagResource")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-untagresource.html"""
    key = c.new_key()["Arn"]
    c.kms.tag_resource(KeyId=key, Tags=[{"TagKey": "Dept", "TagValue": "IT"}])
    return c.kms.untag_resource(KeyId=key, TagKeys=["Dept"])


@golden("kms:UpdateAlias")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-updatealias.html"""
    alias = c.alias(c.new_key()["KeyId"])
    return c.kms.update_alias(AliasName=alias, TargetKeyId=c.new_key()["KeyId"])


@golden("kms:UpdateKeyDescription")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-update-key-description.html"""
    return c.kms.update_key_description(KeyId=c.new_key()["KeyId"], Description="New key description")


@golden("kms:Verify")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-verify.html"""
    key, message = signing_key(c), os.urandom(32)
    sig = c.kms.sign(KeyId=key, Message=message, MessageType="RAW",
                     SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")["Signature"]
    return c.kms.verify(KeyId=key, Message=message, MessageType="RAW", Signature=sig,
                        SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256"), [message, sig]


@golden("kms:VerifyMac")
def _(c):
    """https://docs.aws.amazon.com/kms/latest/developerguide/ct-verifymac.html"""
    key, message = c.new_key(KeySpec="HMAC_384", KeyUsage="GENERATE_VERIFY_MAC")["Arn"], os.urandom(32)
    mac = c.kms.generate_mac(KeyId=key, MacAlgorithm="HMAC_SHA_384", Message=message)["Mac"]
    return c.kms.verify_mac(KeyId=key, MacAlgorithm="HMAC_SHA_384", Message=message, Mac=mac), [message, mac]


@golden("iam:AddUserToGroup")
def _(c):
    """https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html"""
    group, user = c.uniq("Admin"), c.uniq("Jane")
    c.iam.create_group(GroupName=group)
    c.iam.create_user(UserName=user)
    return c.iam.add_user_to_group(GroupName=group, UserName=user)


@golden("iam:CreateRole")
def _(c):
    """https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html"""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"],
                                                     "Principal": {"Service": ["ec2.amazonaws.com"]}}]}
    return c.iam.create_role(RoleName=c.uniq("TestRole"), AssumeRolePolicyDocument=json.dumps(trust),
                             Description="Allows EC2 instances to call AWS services on your behalf.")


@golden("iam:CreateUser")
def _(c):
    """https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html"""
    return c.iam.create_user(UserName=c.uniq("Richard"))


@golden("iam:GetUserPolicy")
def _(c):
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html"""
    user = c.uniq("ExampleIAMUserName")
    c.iam.create_user(UserName=user)
    c.iam.put_user_policy(UserName=user, PolicyName="ExamplePolicyName", PolicyDocument=allow_all())
    return c.admin_session("iam").get_user_policy(UserName=user, PolicyName="ExamplePolicyName")


@golden("sts:AssumeRole")
def _(c):
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html (examples 4/5)"""
    target = c.role(c.uniq("test-role"))
    return c.admin_session("sts").assume_role(RoleArn=target, RoleSessionName="test-global-assume-role")


@golden("sts:AssumeRole (role chaining with session tags)")
def _(c):
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html (example 3)"""
    first = c.sts.assume_role(RoleArn=c.role(c.uniq("JohnRole1")), RoleSessionName="JohnRole1",
                              SourceIdentity="John", Tags=[{"Key": "Department", "Value": "Engineering"}],
                              TransitiveTagKeys=["Department"])["Credentials"]
    out = c.session("sts", first).assume_role(
        RoleArn=c.role(c.uniq("JohnRole2")), RoleSessionName="Role2WithTags", SourceIdentity="John",
        Tags=[{"Key": "Email", "Value": "johndoe@example.com"}, {"Key": "CostCenter", "Value": "12345"}],
        TransitiveTagKeys=["Email", "CostCenter"], DurationSeconds=3600)
    return out, [first["SecretAccessKey"]]


def federated_role(c, name, provider, action, condition):
    return c.role(name, {"Effect": "Allow", "Principal": {"Federated": provider},
                         "Action": [action, "sts:SetSourceIdentity"], "Condition": condition})


@golden("sts:AssumeRoleWithSAML")
def _(c):
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html"""
    workdir = tempfile.TemporaryDirectory(prefix="rampart-ct-saml-")
    c.closers.append(workdir.cleanup)
    idp = SamlIdp(workdir.name)
    provider = c.iam.create_saml_provider(Name="Shibboleth", SAMLMetadataDocument=idp.metadata)["SAMLProviderArn"]
    role = federated_role(c, "SAMLTestRoleShibboleth", provider, "sts:AssumeRoleWithSAML",
                          {"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}})
    assertion = idp.response(f"{role},{provider}", session="MyAssignedRoleSessionName",
                             source_identity="MySAMLUser")
    out = unsigned_sts(c.server).assume_role_with_saml(RoleArn=role, PrincipalArn=provider,
                                                       SAMLAssertion=assertion, DurationSeconds=1800)
    return out, [assertion]


@golden("sts:AssumeRoleWithWebIdentity")
def _(c):
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html"""
    workdir = tempfile.TemporaryDirectory(prefix="rampart-ct-oidc-")
    idp = Idp(workdir.name)
    c.closers += [idp.close, workdir.cleanup]
    provider = c.iam.create_open_id_connect_provider(
        Url=idp.issuer, ClientIDList=["my-client"], ThumbprintList=[idp.ca_thumbprint])["OpenIDConnectProviderArn"]
    role = federated_role(c, "FederatedWebIdentityRole", provider, "sts:AssumeRoleWithWebIdentity",
                          {"StringEquals": {f"{idp.host}:aud": "my-client"}})
    token = idp.token()
    out = unsigned_sts(c.server).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="web-session", WebIdentityToken=token, DurationSeconds=3600)
    return out, [token]


@golden("cloudtrail:StartLogging")
def _(c):
    """https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference.html"""
    return c.ct.start_logging(Name=c.trail())


@golden("cloudtrail:UpdateTrail (TrailNotFoundException)")
def _(c):
    """https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html"""
    return failing(lambda: c.ct.update_trail(Name="myTrail2", IsMultiRegionTrail=True), "TrailNotFoundException")


def test_every_golden_case_has_a_call():
    assert sorted(CASES) == sorted(CALLS)
    for case in GOLDEN["cases"]:
        assert CALLS[case["case"]].__doc__.split()[0] == case["source"], case["case"]


@pytest.mark.parametrize("name", list(CASES))
def test_record_matches_aws_example(ctx, name):
    no_problems(name, *judge(ctx, name, expected(name, CASES[name]["expect"]), CALLS[name](ctx)))


# ---- identities of temporary credentials --------------------------------------------------

def test_get_session_token_credentials_identity(ctx):
    creds = ctx.sts.get_session_token()["Credentials"]
    shape = {"userIdentity": GOLDEN["identities"]["IAMUserSession"]}
    rec, problems = judge(ctx, "kms:ListKeys", shape, ctx.session("kms", creds).list_keys(), only_listed=True)
    no_problems("GetSessionToken credentials", rec, problems)
    assert rec["userIdentity"]["accessKeyId"] == creds["AccessKeyId"]


def test_get_federation_token_credentials_identity(ctx):
    creds = ctx.sts.get_federation_token(Name="fed-user", Policy=allow_all())["Credentials"]
    shape = {"userIdentity": GOLDEN["identities"]["FederatedUser"]}
    rec, problems = judge(ctx, "kms:ListKeys", shape, ctx.session("kms", creds).list_keys(), only_listed=True)
    no_problems("GetFederationToken credentials", rec, problems)
    assert rec["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] == ctx.user_arn


def test_shape_matcher():
    shape = {"a": "uuid", "b": [{"c": 1}], "d": None, "e": "absent", "f": "date"}
    good = {"a": "1234abcd-12ab-34cd-56ef-1234567890ab", "b": [{"c": 1}], "d": None,
            "f": "Aug 10, 2022, 10:38:27 PM"}
    assert mismatches(shape, good) == []
    assert mismatches(shape, dict(good, e=1, f="Jul 19, 2023 9:25:09 PM")) == ["record.e: unexpected member = 1"]
    assert mismatches(shape, dict(good, b=[{"c": True}], d={})) == [
        "record.b[0].c: want 1, got True", "record.d: want None, got {}"]
    assert mismatches(shape, {k: v for k, v in good.items() if k != "a"}) == ["record.a: missing"]


# ---- served operations AWS gives no example for ---------------------------------------------

KEY = {"accountId": "account", "type": "AWS::KMS::Key", "ARN": "kms-key-arn"}


def ssh_public_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH).decode()


def server_certificate():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ct-golden.example.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), pem


def new_user(c):
    name = c.uniq("shape-user")
    c.iam.create_user(UserName=name)
    return name


def login_profile(c):
    password = "Ct-" + base64.b32encode(os.urandom(15)).decode() + "-9z"
    return c.iam.create_login_profile(UserName=new_user(c), Password=password), [password]


def upload_server_certificate(c):
    body, private_key = server_certificate()
    out = c.iam.upload_server_certificate(ServerCertificateName=c.uniq("ct-cert"), CertificateBody=body,
                                          PrivateKey=private_key)
    return out, [line for line in private_key.splitlines() if len(line) >= 32 and "PRIVATE KEY" not in line]


def create_trail(c):
    return c.ct.create_trail(Name=c.uniq("ct-shape-trail"), S3BucketName="ct-golden-bucket")


def delete_trail(c):
    name = create_trail(c)["Name"]
    return c.ct.delete_trail(Name=name)


# (case, call, resources shape: a list for KMS, "absent" for IAM and CloudTrail, None: not judged)
SHAPE_CASES = [
    ("kms:ListKeys", lambda c: c.kms.list_keys(), []),
    ("kms:ListResourceTags", lambda c: c.kms.list_resource_tags(KeyId=c.new_key()["KeyId"]), [KEY]),
    ("kms:GetKeyRotationStatus", lambda c: c.kms.get_key_rotation_status(KeyId=c.new_key()["KeyId"]), [KEY]),
    ("kms:GetPublicKey", lambda c: c.kms.get_public_key(KeyId=signing_key(c)), [KEY]),
    ("kms:ListRetirableGrants", lambda c: c.kms.list_retirable_grants(RetiringPrincipal=c.user_arn), []),
    ("kms:ListKeyPolicies", lambda c: c.kms.list_key_policies(KeyId=c.new_key()["KeyId"]), [KEY]),
    ("sts:GetCallerIdentity", lambda c: c.sts.get_caller_identity(), None),
    ("sts:GetSessionToken", lambda c: c.sts.get_session_token(), None),
    ("sts:GetFederationToken", lambda c: c.sts.get_federation_token(Name="fed", Policy=allow_all()), None),
    ("sts:GetAccessKeyInfo", lambda c: c.sts.get_access_key_info(AccessKeyId=c.key[0]), None),
    ("iam:CreateAccessKey", lambda c: c.iam.create_access_key(UserName=new_user(c)), "absent"),
    ("iam:CreateLoginProfile", login_profile, "absent"),
    ("iam:UploadSSHPublicKey",
     lambda c: c.iam.upload_ssh_public_key(UserName=new_user(c), SSHPublicKeyBody=ssh_public_key()), "absent"),
    ("iam:UploadServerCertificate", upload_server_certificate, "absent"),
    ("iam:CreateVirtualMFADevice",
     lambda c: c.iam.create_virtual_mfa_device(VirtualMFADeviceName=c.uniq("ct-mfa")), "absent"),
    ("iam:ListUsers", lambda c: c.iam.list_users(), "absent"),
    ("iam:DeleteUser", lambda c: c.iam.delete_user(UserName=new_user(c)), "absent"),
    ("cloudtrail:CreateTrail", create_trail, "absent"),
    ("cloudtrail:DescribeTrails", lambda c: c.ct.describe_trails(), "absent"),
    ("cloudtrail:GetTrailStatus", lambda c: c.ct.get_trail_status(Name=c.trail()), "absent"),
    ("cloudtrail:StopLogging", lambda c: c.ct.stop_logging(Name=c.trail()), "absent"),
    ("cloudtrail:DeleteTrail", delete_trail, "absent"),
]
CREDENTIAL_ISSUERS = ("GetSessionToken", "GetFederationToken")
CREDENTIALS = {"accessKeyId": "string", "sessionToken": "string", "expiration": "date"}


@pytest.mark.parametrize("name,call,resources", SHAPE_CASES, ids=[s[0] for s in SHAPE_CASES])
def test_served_operations_without_an_example(ctx, name, call, resources):
    op = name.split(":")[1]
    read_only = op.startswith(("Get", "List", "Describe")) and op not in CREDENTIAL_ISSUERS
    shape = expected(name, {"eventVersion": "1.11", "readOnly": read_only, "eventType": "AwsApiCall",
                            "managementEvent": True, "eventCategory": "Management", "userIdentity": "IAMUser"})
    if read_only:
        shape["responseElements"] = None
    if resources is not None:
        shape["resources"] = resources
    rec, problems = judge(ctx, name, shape, call(ctx), only_listed=True)
    if op in CREDENTIAL_ISSUERS:  # readOnly false, the credentials logged without the secret
        problems += mismatches(CREDENTIALS, (rec.get("responseElements") or {}).get("credentials"),
                               "record.responseElements.credentials")
    no_problems(name, rec, problems)
