"""OIDC and SAML identity providers, instance profiles."""
import json

import botocore.exceptions
import pytest

THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
PAD = "<!--" + "x" * 1000 + "-->"  # the model requires at least 1000 characters of metadata
METADATA = ('<?xml version="1.0"?><md:EntityDescriptor '
            'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/" '
            'validUntil="2040-01-01T00:00:00Z"><md:IDPSSODescriptor '
            'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
            'Location="https://idp.example.com/sso"/></md:IDPSSODescriptor>'
            '</md:EntityDescriptor>' + PAD)


def code(exc):
    return exc.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def iam(server):
    return server.client("iam")


def test_oidc_lifecycle(server, iam):
    arn = iam.create_open_id_connect_provider(
        Url="https://token.example.com/tenant", ClientIDList=["app1"], ThumbprintList=[THUMB],
        Tags=[{"Key": "t", "Value": "1"}])["OpenIDConnectProviderArn"]
    account = server.client("sts").get_caller_identity()["Account"]
    assert arn == f"arn:aws:iam::{account}:oidc-provider/token.example.com/tenant"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_open_id_connect_provider(Url="https://token.example.com/tenant",
                                            ThumbprintList=[THUMB])
    assert code(e) == "EntityAlreadyExists"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == "token.example.com/tenant" and got["ClientIDList"] == ["app1"]
    assert got["ThumbprintList"] == [THUMB] and got["Tags"] == [{"Key": "t", "Value": "1"}]
    assert arn in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]

    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app2")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app2")
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"] == ["app1", "app2"]
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app1")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="nope")
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"] == ["app2"]
    other = "a" * 40
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn,
                                                   ThumbprintList=[other, THUMB])
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ThumbprintList"] == [other, THUMB]

    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "u", "Value": "2"}])
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["t"])
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "u", "Value": "2"}]

    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert code(e) == "NoSuchEntity"


def test_oidc_errors(iam):
    for url in ["http://insecure.example.com", "https://"]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.create_open_id_connect_provider(Url=url, ThumbprintList=[THUMB])
        assert code(e) in ("InvalidInput", "ValidationError"), url
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_open_id_connect_provider(Url="https://x.example.com", ThumbprintList=["z" * 40])
    assert code(e) == "InvalidInput"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_open_id_connect_provider(Url="https://x.example.com",
                                            ThumbprintList=["%040d" % i for i in range(6)])
    assert code(e) == "InvalidInput"
    assert e.value.response["Error"]["Message"] == "Thumbprint list must contain fewer than 5 entries."


def test_saml_lifecycle(server, iam):
    out = iam.create_saml_provider(Name="corp-idp", SAMLMetadataDocument=METADATA,
                                   Tags=[{"Key": "t", "Value": "1"}])
    arn = out["SAMLProviderArn"]
    account = server.client("sts").get_caller_identity()["Account"]
    assert arn == f"arn:aws:iam::{account}:saml-provider/corp-idp"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_saml_provider(Name="corp-idp", SAMLMetadataDocument=METADATA)
    assert code(e) == "EntityAlreadyExists"
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == METADATA and got["ValidUntil"].year == 2040
    listed = iam.list_saml_providers()["SAMLProviderList"]
    assert [p["Arn"] for p in listed] == [arn]
    updated = METADATA.replace("2040-01-01", "2041-01-01")
    assert iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=updated)[
        "SAMLProviderArn"] == arn
    assert iam.get_saml_provider(SAMLProviderArn=arn)["ValidUntil"].year == 2041
    iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "u", "Value": "2"}])
    iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["t"])
    assert iam.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"] == [{"Key": "u", "Value": "2"}]
    iam.delete_saml_provider(SAMLProviderArn=arn)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_saml_provider(SAMLProviderArn=arn)
    assert code(e) == "NoSuchEntity"


def test_saml_rejects_bad_metadata(iam):
    for bad in ["x" * 1200, "<root>" + PAD + "</root>",
                "<EntityDescriptor>" + PAD + "</EntityDescriptor>",
                "<EntityDescriptor entityID='a'>" + PAD]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.create_saml_provider(Name="bad-idp", SAMLMetadataDocument=bad)
        assert code(e) == "InvalidInput", bad[:30]


def test_instance_profiles(server, iam):
    iam.create_role(RoleName="ip-role", AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName="ip-role2", AssumeRolePolicyDocument=TRUST)
    p = iam.create_instance_profile(InstanceProfileName="ip-web", Path="/app/",
                                    Tags=[{"Key": "t", "Value": "1"}])["InstanceProfile"]
    account = server.client("sts").get_caller_identity()["Account"]
    assert p["Arn"] == f"arn:aws:iam::{account}:instance-profile/app/ip-web"
    assert p["InstanceProfileId"].startswith("AIPA") and p["Roles"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_instance_profile(InstanceProfileName="ip-web")
    assert code(e) == "EntityAlreadyExists"

    iam.add_role_to_instance_profile(InstanceProfileName="ip-web", RoleName="ip-role")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.add_role_to_instance_profile(InstanceProfileName="ip-web", RoleName="ip-role")
    assert code(e) == "EntityAlreadyExists"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.add_role_to_instance_profile(InstanceProfileName="ip-web", RoleName="ip-role2")
    assert code(e) == "LimitExceeded"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.add_role_to_instance_profile(InstanceProfileName="ip-web", RoleName="ip-none")
    assert code(e) == "NoSuchEntity"

    got = iam.get_instance_profile(InstanceProfileName="ip-web")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["ip-role"]
    assert got["Roles"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole"
    names = [x["InstanceProfileName"] for x in iam.list_instance_profiles(PathPrefix="/app/")["InstanceProfiles"]]
    assert names == ["ip-web"]
    assert iam.list_instance_profiles(PathPrefix="/zzz/")["InstanceProfiles"] == []
    for_role = iam.list_instance_profiles_for_role(RoleName="ip-role")["InstanceProfiles"]
    assert [x["InstanceProfileName"] for x in for_role] == ["ip-web"]
    assert iam.list_instance_profiles_for_role(RoleName="ip-role2")["InstanceProfiles"] == []

    # A role in a profile cannot be deleted; a profile with a role cannot be deleted.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_role(RoleName="ip-role")
    assert code(e) == "DeleteConflict"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_instance_profile(InstanceProfileName="ip-web")
    assert code(e) == "DeleteConflict"

    iam.tag_instance_profile(InstanceProfileName="ip-web", Tags=[{"Key": "u", "Value": "2"}])
    iam.untag_instance_profile(InstanceProfileName="ip-web", TagKeys=["t"])
    assert iam.list_instance_profile_tags(InstanceProfileName="ip-web")["Tags"] == [
        {"Key": "u", "Value": "2"}]

    iam.remove_role_from_instance_profile(InstanceProfileName="ip-web", RoleName="ip-role")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.remove_role_from_instance_profile(InstanceProfileName="ip-web", RoleName="ip-role")
    assert code(e) == "NoSuchEntity"
    iam.delete_instance_profile(InstanceProfileName="ip-web")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_instance_profile(InstanceProfileName="ip-web")
    assert code(e) == "NoSuchEntity"
    iam.delete_role(RoleName="ip-role")


def test_cli_instance_profile(server):
    r = server.cli("iam", "create-instance-profile", "--instance-profile-name", "ip-cli")
    assert r.returncode == 0, r.stderr
    r = server.cli("iam", "list-instance-profiles")
    assert r.returncode == 0 and "ip-cli" in r.stdout
