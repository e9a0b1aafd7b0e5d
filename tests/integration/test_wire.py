"""Model-driven wire layer seen from real clients: unknown and unimplemented operations, and
validation errors in AWS's message form, for each protocol."""
import json

import botocore.exceptions
import pytest


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response


def test_unimplemented_query_operation_is_invalid_action(server):
    # An operation of a query service that has no handler yet (update when SNS lands).
    r = error_of(lambda: server.client("sns").list_topics())
    assert r["Error"]["Code"] == "InvalidAction"
    assert "sns:ListTopics" in r["Error"]["Message"]


def test_unimplemented_json_operation_is_unknown_operation(server):
    # KMS custom key stores have no handler (docs/KMS.md).
    r = error_of(lambda: server.client("kms").describe_custom_key_stores())
    assert r["Error"]["Code"] == "UnknownOperationException"


def test_unimplemented_rest_json_operation(server):
    r = error_of(lambda: server.client("guardduty").list_detectors())
    assert r["Error"]["Code"] == "UnknownOperationException"


def test_unimplemented_rest_xml_operation(server):
    s3 = server.client("s3")
    s3.create_bucket(Bucket="wire-unimplemented")
    r = error_of(lambda: s3.get_bucket_website(Bucket="wire-unimplemented"))
    assert r["Error"]["Code"] == "NotImplemented"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_validation_pattern_error_query(server):
    out = server.cli("iam", "create-user", "--user-name", "bad name!")
    assert out.returncode != 0
    # IAM leaves the value out of the message (its 2026 responses); STS and KMS show it.
    assert ("ValidationError" in out.stderr and "1 validation error detected: Value at "
            "'userName' failed to satisfy constraint: Member must satisfy regular expression "
            "pattern: [\\w+=,.@-]+") in out.stderr


def test_validation_length_error_json(server):
    # KMS Encrypt: Plaintext max 4096 bytes; KeyId min length 1.
    r = error_of(lambda: server.client("kms").encrypt(KeyId="alias/x", Plaintext=b"a" * 4097))
    assert r["Error"]["Code"] == "ValidationException"
    assert r["Error"]["Message"].startswith("1 validation error detected: ")
    assert "at 'plaintext' failed to satisfy constraint: Member must have length less than or " \
           "equal to 4096" in r["Error"]["Message"]
    assert "a" * 100 not in r["Error"]["Message"]  # sensitive values are not echoed


def test_validation_range_and_enum_errors_are_joined(server):
    # SimulateCustomPolicy MaxItems range 1..1000 and a required list.
    c = server.client("iam", parameter_validation=False)
    r = error_of(lambda: c.get_account_authorization_details(Filter=["Bogus"], MaxItems=0))
    msg = r["Error"]["Message"]
    assert msg.startswith("2 validation errors detected: ")
    assert "Value at 'maxItems' failed to satisfy constraint: Member must have value " \
           "greater than or equal to 1" in msg
    assert "Member must satisfy enum value set: [" in msg
    assert "; " in msg


def test_required_member_missing_is_not_null_error(server):
    c = server.client("iam", parameter_validation=False)
    r = error_of(lambda: c.create_user())
    assert r["Error"]["Message"] == ("1 validation error detected: Value null at 'userName' "
                                     "failed to satisfy constraint: Member must not be null")


def test_unknown_action_is_invalid_action(server):
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import requests
    key, secret = server.credentials()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/", data="Action=NoSuchThing&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "sts",
                            "us-east-1").add_auth(req)
    r = requests.post(server.endpoint + "/", data=req.body, headers=dict(req.headers.items()))
    assert r.status_code == 400
    assert "<Code>InvalidAction</Code>" in r.text
    assert "Could not find operation NoSuchThing for version 2011-06-15" in r.text


def test_json_timestamp_outside_years_1_to_9999_is_a_serialization_error(server):
    # A timestamp number that no client could have written (a fuzz finding: 140 digits) is a
    # SerializationException, not a value the server later cannot write back.
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import requests
    key, secret = server.credentials()

    def import_material(valid_to):
        body = json.dumps({"KeyId": "alias/none", "ImportToken": "AA==",
                           "EncryptedKeyMaterial": "AA==", "ValidTo": valid_to,
                           "ExpirationModel": "KEY_MATERIAL_EXPIRES"})
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=server.endpoint + "/", data=body,
            headers={"Content-Type": "application/x-amz-json-1.1",
                     "X-Amz-Target": "TrentService.ImportKeyMaterial"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "kms",
                                "us-east-1").add_auth(req)
        return requests.post(server.endpoint + "/", data=req.body,
                             headers=dict(req.headers.items()))

    r = import_material(int("1700000020" + "1" * 130))
    assert r.status_code == 400, r.text
    assert r.json()["__type"].endswith("SerializationException"), r.text
    assert "'validTo'" in r.json()["message"]
    # In range, the same request gets past decoding (and fails on the unknown key instead).
    r = import_material(1900000000)
    assert not r.json()["__type"].endswith("SerializationException"), r.text
