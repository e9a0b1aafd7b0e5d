"""IAM as AWS answers it (issue 13): the shapes, states and messages users' tooling compares.

Each expectation names where AWS's behaviour is documented or observed."""
import json
import time

import botocore.exceptions
import pytest


@pytest.fixture
def iam(server):
    return server.client("iam")


def uniq(p):
    return "%s%d" % (p, int(time.time() * 1e6))


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


DOC = json.dumps({"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


def test_get_policy_has_empty_tags_and_list_policies_none(iam):
    # GetPolicy of an untagged policy answers "Tags": [] (IAM API reference, GetPolicy example);
    # ListPolicies leaves Tags out (IAM API reference, ListPolicies: "this operation does not
    # return tags").
    name = uniq("p")
    arn = iam.create_policy(PolicyName=name, PolicyDocument=DOC)["Policy"]["Arn"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == []
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [{"Key": "k", "Value": "v"}]
    listed = [p for p in iam.list_policies(Scope="Local")["Policies"] if p["Arn"] == arn]
    assert listed and "Tags" not in listed[0]


# ---- Service-linked roles ----

def test_service_linked_roles_get_awss_fixed_names(iam):
    # Names AWS gives these roles (real accounts' role lists; AWS docs); not derived from the
    # service principal.
    for service, name in [("elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalk"),
                          ("es.amazonaws.com", "AWSServiceRoleForAmazonElasticsearchService"),
                          ("custom-resource.application-autoscaling.amazonaws.com",
                           "AWSServiceRoleForApplicationAutoScaling_CustomResource")]:
        role = iam.create_service_linked_role(AWSServiceName=service)["Role"]
        assert role["RoleName"] == name
        assert role["Path"] == "/aws-service-role/%s/" % service
        # A second one for the same service: AWS's InvalidInput.
        code, msg = error_of(lambda: iam.create_service_linked_role(AWSServiceName=service))
        assert code == "InvalidInput"
        assert msg == ("Service role name %s has been taken in this account, please try a "
                       "different suffix." % name)
        iam.delete_service_linked_role(RoleName=name)


def test_custom_suffix_only_where_the_service_takes_one(iam):
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                          CustomSuffix="fleet")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling_fleet"
    iam.delete_service_linked_role(RoleName=role["RoleName"])
    code, msg = error_of(lambda: iam.create_service_linked_role(
        AWSServiceName="es.amazonaws.com", CustomSuffix="x"))
    assert (code, msg) == ("InvalidInput", "Custom suffix is not allowed for es.amazonaws.com")


def test_a_service_linked_role_is_changed_by_aws_alone(iam):
    # UnmodifiableEntity for trust, policies, boundary, instance profiles, session duration and
    # DeleteRole; its description and tags may change (AWS responses recorded by LocalStack's
    # AWS-validated tests).
    name = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com",
                                          Description="d")["Role"]["RoleName"]
    protected = ("UnmodifiableEntity", "Cannot perform the operation on the protected role '%s' "
                 "- this role is only modifiable by AWS" % name)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    profile = uniq("ip")
    iam.create_instance_profile(InstanceProfileName=profile)
    for call in [lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust),
                 lambda: iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=DOC),
                 lambda: iam.attach_role_policy(RoleName=name,
                                                PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"),
                 lambda: iam.put_role_permissions_boundary(
                     RoleName=name, PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess"),
                 lambda: iam.update_role(RoleName=name, MaxSessionDuration=7200),
                 lambda: iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=name),
                 lambda: iam.delete_role(RoleName=name)]:
        assert error_of(call) == protected
    iam.update_role_description(RoleName=name, Description="new")
    iam.update_role(RoleName=name, Description="newer")
    iam.tag_role(RoleName=name, Tags=[{"Key": "k", "Value": "v"}])
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "newer"
    iam.delete_service_linked_role(RoleName=name)


def test_the_simulator_denies_what_aws_alone_may_change(iam):
    admin = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    acct = "123456789012"
    results = iam.simulate_custom_policy(
        PolicyInputList=[admin],
        ActionNames=["iam:CreatePolicyVersion", "iam:AttachUserPolicy"],
        ResourceArns=["arn:aws:iam::aws:policy/ReadOnlyAccess"])["EvaluationResults"]
    by_action = {r["EvalActionName"]: r["EvalDecision"] for r in results}
    assert by_action == {"iam:CreatePolicyVersion": "explicitDeny", "iam:AttachUserPolicy": "allowed"}
    slr = "arn:aws:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" % acct
    results = iam.simulate_custom_policy(
        PolicyInputList=[admin], ActionNames=["iam:PutRolePolicy", "iam:DeleteServiceLinkedRole"],
        ResourceArns=[slr])["EvaluationResults"]
    by_action = {r["EvalActionName"]: r["EvalDecision"] for r in results}
    assert by_action == {"iam:PutRolePolicy": "explicitDeny", "iam:DeleteServiceLinkedRole": "allowed"}


# ---- Policy documents refused as AWS refuses them (messages: AWS responses recorded by
# LocalStack's AWS-validated snapshot tests, 2026-02, and pasted CLI errors; docs/POLICY.md) ----

def _doc(statement, version="2012-10-17"):
    d = {"Statement": statement}
    if version:
        d["Version"] = version
    return json.dumps(d)


ALLOW = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


@pytest.mark.parametrize("document,message", [
    (_doc([ALLOW], None), "Policy document must be version 2012-10-17 or greater."),
    (_doc([ALLOW], "2008-10-17"), "Policy document must be version 2012-10-17 or greater."),
    ("{not json", "Syntax errors in policy."),
    (_doc([]), "Syntax errors in policy."),
    (_doc([dict(ALLOW, Effect="allow")]), "The policy failed legacy parsing"),
    (_doc([dict(ALLOW, Action="a a:GetObject")]), "Vendor a a is not valid"),
    (_doc([dict(ALLOW, Action="s3:Get:Object")]), "Actions/Condition can contain only one colon."),
    (_doc([dict(ALLOW, Resource="bucket")]), 'Resource bucket must be in ARN format or "*".'),
    (_doc([dict(ALLOW, Resource="arn:error:s3:::b")]),
     'Partition "error" is not valid for resource "arn:error:s3:::b".'),
    (_doc([dict(ALLOW, Sid="A"), dict(ALLOW, Sid="A")]),
     "Statement IDs (SID) in a single policy must be unique."),
    (_doc([{"Effect": "Allow", "Resource": "*"}]), "Policy statement must contain actions."),
    (_doc([dict(ALLOW, Principal="*")]), "Policy document should not specify a principal."),
])
def test_create_policy_refusals_carry_awss_message(iam, document, message):
    code, msg = error_of(lambda: iam.create_policy(PolicyName=uniq("bad"), PolicyDocument=document))
    assert (code, msg) == ("MalformedPolicyDocument", message)


def test_inline_policies_keep_2008_versions_and_get_the_inline_size_message(iam):
    user = uniq("u")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="old", PolicyDocument=_doc([ALLOW], "2008-10-17"))
    big = _doc([dict(ALLOW, Resource=["arn:aws:s3:::%s/%d" % ("b" * 40, i) for i in range(60)])])
    code, msg = error_of(lambda: iam.put_user_policy(UserName=user, PolicyName="big",
                                                     PolicyDocument=big))
    assert (code, msg) == ("LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user " + user)


def test_trust_policy_refusals_carry_awss_message(iam):
    principal = {"AWS": "arn:aws:iam::123456789012:root"}
    cases = [
        ("{not json", "This policy contains invalid Json"),
        (_doc([{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole",
                "Resource": "*"}]), "Has prohibited field Resource"),
        (_doc([{"Effect": "Allow", "Principal": principal, "Action": "sts:InvalidAction"}]),
         "AssumeRole policy may only specify STS AssumeRole actions."),
        (_doc([{"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "sts:AssumeRole"}]),
         'Invalid principal in policy: "AWS":"bob"'),
    ]
    for document, message in cases:
        code, msg = error_of(lambda: iam.create_role(RoleName=uniq("r"),
                                                     AssumeRolePolicyDocument=document))
        assert (code, msg) == ("MalformedPolicyDocument", message), document


# ---- rampart policy validate ----

def _validate(*args, stdin):
    import os
    import subprocess
    return subprocess.run([os.environ["RAMPART_BIN"], "policy", "validate", *args, "-"],
                          input=stdin, capture_output=True, text=True, timeout=30)


def test_policy_validate_prints_the_aws_error_and_exits_1():
    r = _validate(stdin=_doc([dict(ALLOW, Effect="allow")]))
    assert r.returncode == 1
    assert r.stdout == "MalformedPolicyDocument: The policy failed legacy parsing\n"
    assert "Statement[0].Effect" in r.stderr
    ok = _validate(stdin=_doc([ALLOW]))
    assert (ok.returncode, ok.stdout) == (0, "")
    # --type applies that policy type's rules.
    trust = _doc([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}])
    assert _validate("--type", "trust", stdin=trust).returncode == 0
    r = _validate("--type", "identity", stdin=trust)
    assert r.stdout == "MalformedPolicyDocument: Policy document should not specify a principal.\n"
    r = _validate("--type", "scp", stdin=trust)
    assert r.stdout.startswith("MalformedPolicyDocumentException: The provided policy document")


def test_policy_validate_json_speaks_validatepolicy():
    doc = _doc([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}])
    r = _validate("--json", stdin=doc)
    findings = json.loads(r.stdout)["findings"]
    codes = {f["issueCode"]: f["findingType"] for f in findings}
    assert codes == {"PASS_ROLE_WITH_STAR_IN_RESOURCE": "SECURITY_WARNING"}
    assert r.returncode == 1  # SECURITY_WARNING blocks by default, as in AWS's validators
    assert _validate("--json", "--blocking", "ERROR", stdin=doc).returncode == 0
    f = findings[0]
    assert set(f) == {"findingDetails", "findingType", "issueCode", "learnMoreLink", "locations"}
    assert f["locations"][0]["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Resource"}]
