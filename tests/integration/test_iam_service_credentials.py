"""Service-specific credentials (CodeCommit / Keyspaces)."""
import botocore.exceptions
import pytest


def code(exc):
    return exc.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def iam(server):
    return server.client("iam")


def test_lifecycle_and_limits(server, iam):
    iam.create_user(UserName="ssc-alice")
    c = iam.create_service_specific_credential(UserName="ssc-alice",
                                               ServiceName="codecommit.amazonaws.com")[
        "ServiceSpecificCredential"]
    account = server.client("sts").get_caller_identity()["Account"]
    assert c["ServiceUserName"] == f"ssc-alice-at-{account}"
    assert c["Status"] == "Active" and len(c["ServicePassword"]) == 44
    assert c["ServiceSpecificCredentialId"].startswith("ACCA")
    iam.create_service_specific_credential(UserName="ssc-alice",
                                           ServiceName="codecommit.amazonaws.com")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_service_specific_credential(UserName="ssc-alice",
                                               ServiceName="codecommit.amazonaws.com")
    assert code(e) == "LimitExceeded"
    # The quota is per service.
    iam.create_service_specific_credential(UserName="ssc-alice",
                                           ServiceName="cassandra.amazonaws.com")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_service_specific_credential(UserName="ssc-alice", ServiceName="s3.amazonaws.com")
    assert code(e) == "NotSupportedService"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_service_specific_credential(UserName="ssc-nobody",
                                               ServiceName="codecommit.amazonaws.com")
    assert code(e) == "NoSuchEntity"

    listed = iam.list_service_specific_credentials(UserName="ssc-alice")["ServiceSpecificCredentials"]
    assert len(listed) == 3 and all("ServicePassword" not in x for x in listed)
    cc = iam.list_service_specific_credentials(UserName="ssc-alice",
                                               ServiceName="codecommit.amazonaws.com")
    assert len(cc["ServiceSpecificCredentials"]) == 2

    cid = c["ServiceSpecificCredentialId"]
    iam.update_service_specific_credential(UserName="ssc-alice", ServiceSpecificCredentialId=cid,
                                           Status="Inactive")
    reset = iam.reset_service_specific_credential(UserName="ssc-alice",
                                                  ServiceSpecificCredentialId=cid)[
        "ServiceSpecificCredential"]
    assert reset["ServicePassword"] != c["ServicePassword"] and reset["Status"] == "Inactive"

    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_user(UserName="ssc-alice")
    assert code(e) == "DeleteConflict"
    for x in listed:
        iam.delete_service_specific_credential(UserName="ssc-alice",
                                               ServiceSpecificCredentialId=x["ServiceSpecificCredentialId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_service_specific_credential(UserName="ssc-alice", ServiceSpecificCredentialId=cid)
    assert code(e) == "NoSuchEntity"
    iam.delete_user(UserName="ssc-alice")
