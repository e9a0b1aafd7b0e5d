#!/usr/bin/env python3
"""Feed Rampart's encoded responses to real botocore and check what the client makes of them.

Usage (each interpreter checks the cases whose wire its botocore speaks):
    /usr/bin/python3 tools/capture/parse_responses.py     # Debian botocore 1.29
    python3 tools/capture/parse_responses.py              # pyenv botocore 1.43
    ... [--data tests/data/protocol/responses] [--quiet] [--only CASE]

For each tests/data/protocol/responses/<case>.json the bytes Rampart produced are in
responses/encoded/<case>.json (written by `protocol_tests` with RAMPART_UPDATE_GOLDEN=1 and
checked by it otherwise). The script makes the real client call `<operation>(**params)` with a
`before-send` handler that answers with those bytes, so botocore's whole response path runs:
parser, query-compatible error codes, S3 customizations (GetBucketLocation), streaming bodies.

Expectations:
    output cases: the parsed result minus ResponseMetadata equals the case's output document
                  (datetimes -> epoch seconds, bytes/streams -> text), or its `expect` dict where
                  a botocore customization reshapes it; RequestId must be ours;
    error cases:  the ClientError's response contains the case's `expect` dict (a subset match).
Exit status 1 if any case fails.
"""
import argparse
import datetime
import io
import json
import os
import sys

import botocore
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture import wire_of  # noqa: E402


class Raw(io.BytesIO):
    """The urllib3 response surface botocore reads: stream() for content, read() for bodies."""

    def stream(self, amt=1024, decode_content=None):
        while True:
            chunk = self.read(amt)
            if not chunk:
                return
            yield chunk


class Answered(Exception):
    pass


def normalize(v):
    if isinstance(v, datetime.datetime):
        return v.timestamp()
    if isinstance(v, (bytes, bytearray)):
        return v.decode("latin-1")
    if hasattr(v, "read"):
        return v.read().decode("latin-1")
    if isinstance(v, dict):
        return {k: normalize(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalize(x) for x in v]
    return v


def subset(expect, got, path=""):
    """Mismatches of `expect` inside `got` (dicts recursively, everything else by equality)."""
    if isinstance(expect, dict):
        if not isinstance(got, dict):
            return ["%s: expected an object, got %r" % (path or "/", got)]
        out = []
        for k, v in expect.items():
            if k not in got:
                out.append("%s/%s: missing (have %s)" % (path, k, sorted(got)))
            else:
                out.extend(subset(v, got[k], path + "/" + k))
        return out
    if expect != got:
        return ["%s: expected %r, got %r" % (path or "/", expect, got)]
    return []


_SESSION = None
_CLIENTS = {}  # service -> (client, slot holding the response the next call gets)


def client_for(service):
    global _SESSION
    if service not in _CLIENTS:
        if _SESSION is None:
            _SESSION = botocore.session.get_session()
        cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 0})
        client = _SESSION.create_client(
            service, region_name="us-east-1", endpoint_url="http://localhost:4566",
            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", config=cfg)
        slot = {}

        def answer(request, **_):
            status, headers, body = slot["response"]
            return AWSResponse(request.url, status, headers, Raw(body))

        client.meta.events.register("before-send", answer)
        _CLIENTS[service] = (client, slot)
    return _CLIENTS[service]


def check(case, encoded, name):
    """Returns (ran, [problems])."""
    client, slot = client_for(case["service"])
    if wire_of(client) != case["wire"]:
        return False, []
    headers = {k: v for k, v in encoded["headers"]}
    slot["response"] = (encoded["status"], headers, encoded["body"].encode("utf-8"))
    method = getattr(client, botocore.xform_name(case["operation"]))
    problems = []
    rid = "req-" + name
    try:
        result = method(**case.get("params", {}))
    except ClientError as e:
        if "error" not in case:
            return True, ["unexpected ClientError %r" % (e.response,)]
        problems += subset(case["expect"], normalize(e.response))
        got_rid = e.response.get("ResponseMetadata", {}).get("RequestId")
        if got_rid != rid:
            problems.append("RequestId: expected %r, got %r" % (rid, got_rid))
        return True, problems
    if "error" in case:
        return True, ["expected a ClientError, got %r" % (result,)]
    meta = result.pop("ResponseMetadata", {})
    if meta.get("RequestId") != rid:
        problems.append("RequestId: expected %r, got %r" % (rid, meta.get("RequestId")))
    got = normalize(result)
    want = case["expect"] if "expect" in case else (case["output"] or {})
    if got != want:
        problems.append("parsed %s\n      want %s" % (json.dumps(got, sort_keys=True),
                                                       json.dumps(want, sort_keys=True)))
    return True, problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "tests", "data", "protocol",
                                                   "responses"))
    ap.add_argument("--only")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    ran = failed = skipped = 0
    for fname in sorted(os.listdir(args.data)):
        if not fname.endswith(".json"):
            continue
        name = fname[:-5]
        if args.only and name != args.only:
            continue
        with open(os.path.join(args.data, fname), encoding="utf-8") as f:
            case = json.load(f)
        enc_path = os.path.join(args.data, "encoded", fname)
        if not os.path.exists(enc_path):
            print("FAIL %s: no encoded file (run protocol_tests with RAMPART_UPDATE_GOLDEN=1)"
                  % name)
            failed += 1
            continue
        with open(enc_path, encoding="utf-8") as f:
            encoded = json.load(f)
        did, problems = check(case, encoded, name)
        if not did:
            skipped += 1
            continue
        ran += 1
        if problems:
            failed += 1
            print("FAIL %s (%s)" % (name, case["wire"]))
            for p in problems:
                print("    " + p)
        elif not args.quiet:
            print("ok   %s (%s)" % (name, case["wire"]))
    print("botocore %s: %d parsed, %d failed, %d for another botocore's wire" %
          (botocore.__version__, ran, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
