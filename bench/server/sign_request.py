#!/usr/bin/env python3
"""Pre-sign one query-protocol request (SigV4, botocore) and write a wrk Lua script replaying it.

usage: sign_request.py SERVICE 'Action=...&Version=...' HOST:PORT ACCESS_KEY SECRET_KEY OUT.lua

X-Amz-Date is "now": use the script within AWS's 15-minute skew window."""
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def lua(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    service, body, hostport, key, secret, out = sys.argv[1:]
    req = AWSRequest(method="POST", url=f"http://{hostport}/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(req)
    with open(out, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write(f"wrk.body = {lua(body)}\n")
        for k, v in req.headers.items():
            f.write(f"wrk.headers[{lua(k)}] = {lua(v)}\n")
        f.write(f'wrk.headers["Host"] = {lua(hostport)}\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
