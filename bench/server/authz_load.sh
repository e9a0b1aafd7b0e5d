#!/usr/bin/env bash
# Issue 4's speed checks, in one run:
#  1. the cost of authorization: a signed IAM GetUser by an IAM user whose policies allow it
#     (identity policies evaluated on every call) vs the same request signed by the account root
#     (SigV4 checked, authorization skipped as for the root) on the same server; and vs a --dev
#     server before enforcement (neither SigV4 nor authorization); 64 keep-alive connections;
#  2. ListUsers returning all of 1,000 users (MaxItems=1000), p50/p99 at 1 connection.
# usage: bench/server/authz_load.sh [seconds-per-point=5]   (RAMPART_BIN to pick the binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${RAMPART_BIN:-build/rampart}
SECS=${1:-5}
PY=/usr/bin/python3
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
work=$(mktemp -d /tmp/rampart-authz.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

start() {  # start NAME ARGS... -> sets PORT
  local name=$1; shift
  "$BIN" serve --listen 127.0.0.1:0 --access-log off "$@" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/$name.err" | sed 's/.*://' || true)
    [ -n "$PORT" ] && return 0
    sleep 0.05
  done
  echo "server $name did not start" >&2; cat "$work/$name.err" >&2; exit 1
}
rps() { grep Requests/sec | awk '{print $2}'; }

# Enforced server: a user allowed to read IAM.
start enforced --data-dir "$work/data"
EPORT=$PORT
ROOTKEY=$(grep aws_access_key_id "$work/data/root-credentials" | awk '{print $3}')
ROOTSECRET=$(grep aws_secret_access_key "$work/data/root-credentials" | awk '{print $3}')
read -r KEY SECRET < <($PY - "$EPORT" "$work/data/root-credentials" <<'PY'
import boto3, re, sys
port, creds = sys.argv[1], open(sys.argv[2]).read()
k = re.search(r"aws_access_key_id = (\S+)", creds).group(1)
s = re.search(r"aws_secret_access_key = (\S+)", creds).group(1)
iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                   aws_access_key_id=k, aws_secret_access_key=s)
iam.create_user(UserName="bench")
iam.attach_user_policy(UserName="bench", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
for i in range(1000):
    iam.create_user(UserName="user%04d" % i)
key = iam.create_access_key(UserName="bench")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
)
start dev --dev
DPORT=$PORT

body="Action=GetUser&Version=2010-05-08&UserName=bench"
$PY bench/server/sign_request.py iam "$body" "127.0.0.1:$EPORT" "$KEY" "$SECRET" "$work/e.lua"
$PY bench/server/sign_request.py iam "$body" "127.0.0.1:$EPORT" "$ROOTKEY" "$ROOTSECRET" "$work/r.lua"
$PY bench/server/sign_request.py iam "$body" "127.0.0.1:$DPORT" "$KEY" "$SECRET" "$work/d.lua"
echo "GetUser, 64 connections, ${SECS}s per point (3 points each, interleaved)"
e=(); r=(); d=()
for i in 1 2 3; do
  e+=("$(wrk -t1 -c64 -d"${SECS}s" -s "$work/e.lua" "http://127.0.0.1:$EPORT/" | rps)")
  r+=("$(wrk -t1 -c64 -d"${SECS}s" -s "$work/r.lua" "http://127.0.0.1:$EPORT/" | rps)")
  d+=("$(wrk -t1 -c64 -d"${SECS}s" -s "$work/d.lua" "http://127.0.0.1:$DPORT/" | rps)")
done
med() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
em=$(med "${e[@]}"); rm_=$(med "${r[@]}"); dm=$(med "${d[@]}")
echo "  IAM user (SigV4 + authorization): ${e[*]} req/s, median $em"
echo "  root (SigV4, no authorization):   ${r[*]} req/s, median $rm_"
echo "  --dev (no SigV4, no authorization): ${d[*]} req/s, median $dm"
awk -v e="$em" -v r="$rm_" 'BEGIN { printf "  authorization cost: %.1f%% of throughput\n", (1 - e / r) * 100 }'
awk -v e="$em" -v d="$dm" 'BEGIN { printf "  SigV4 + authorization cost: %.1f%% of throughput\n", (1 - e / d) * 100 }'

body="Action=ListUsers&Version=2010-05-08&MaxItems=1000"
$PY bench/server/sign_request.py iam "$body" "127.0.0.1:$EPORT" "$KEY" "$SECRET" "$work/l.lua"
echo "ListUsers of 1,000 users (MaxItems=1000), 1 connection:"
wrk -t1 -c1 -d"${SECS}s" --latency -s "$work/l.lua" "http://127.0.0.1:$EPORT/" |
  grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx" | sed 's/^/  /'
