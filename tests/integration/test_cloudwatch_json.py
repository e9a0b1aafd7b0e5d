"""CloudWatch over awsJson 1.0 with query-compatible errors, as boto3 >= 1.42 sends it.

Runs the pyenv Python's newer boto3 in a subprocess (Debian's boto3 1.26 still speaks query)."""
import json
import os
import shutil
import subprocess

import pytest

SCRIPT = r"""
import json, sys, boto3, botocore.exceptions, botocore.config
c = boto3.client("cloudwatch", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],
                 config=botocore.config.Config(retries={"max_attempts": 1}))
out = {"protocol": c.meta.service_model.protocol, "boto3": boto3.__version__}
try:
    c.list_metrics()
except botocore.exceptions.ClientError as e:
    out["code"] = e.response["Error"]["Code"]
    out["headers"] = e.response["ResponseMetadata"]["HTTPHeaders"]
try:
    c.put_metric_alarm(AlarmName="a", EvaluationPeriods=0, ComparisonOperator="Bogus")
except botocore.exceptions.ParamValidationError as e:
    out["client_side"] = True
except botocore.exceptions.ClientError as e:
    out["validation"] = e.response["Error"]["Code"]
print(json.dumps(out))
"""


def newer_python():
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, "python3")
        if os.path.exists(p) and not p.startswith("/usr/bin") and ".pyenv" in p:
            return p
    root = os.path.expanduser("~/.pyenv/shims/python3")
    return root if os.path.exists(root) else None


def test_cloudwatch_json_protocol_from_newer_boto3(server):
    py = newer_python()
    if not py:
        pytest.skip("no pyenv Python with a newer boto3 on this machine")
    key, secret = server.credentials()
    r = subprocess.run([py, "-c", SCRIPT, server.endpoint, key, secret], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    # The query error code travels in x-amzn-query-error, which the client prefers.
    assert out["code"] == "InvalidAction"
    assert out["headers"].get("x-amzn-query-error", "") == "InvalidAction;Sender"
