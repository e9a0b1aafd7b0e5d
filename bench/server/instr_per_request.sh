#!/usr/bin/env bash
# Instructions per request for one signed query-protocol call, from callgrind (deterministic:
# the noisy shared machine does not move it). Starts `rampart serve --threads 1` under
# valgrind's callgrind with instrumentation off, warms up, then instruments a fixed wrk run and
# divides the instructions executed by the requests wrk completed.
#
# usage: bench/server/instr_per_request.sh [--service sts] [--body 'Action=GetCallerIdentity&Version=2011-06-15']
#                                          [--seconds 6] [--conns 4] [--annotate N] [--save FILE]
#                                          [--kms encrypt|decrypt|gdk] [--as-user] [--users N]
#                                          [-- SERVE ARGS...]
# --kms OP measures a KMS call instead (bench/kms/sign_kms.py: 1 KiB Encrypt, its Decrypt, or
# GenerateDataKey AES_256, on a key it creates).
# --as-user signs as an IAM user 'bench' with IAMReadOnlyAccess attached (authorization runs),
# not as the root; --users N creates N more users first (for ListUsers).
# env:   RAMPART_BIN (default build/rampart), PYTHON (default python3 on PATH)
# prints: "instructions/request N (R requests)"; --annotate N also prints the N costliest functions
#         (inclusive); --save FILE keeps the callgrind dump (callgrind_annotate --tree=calling FILE).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
RAMPART_BIN=${RAMPART_BIN:-$root/build/rampart}
PYTHON=${PYTHON:-python3}
as_user=0 users=0 kms='' save='' service=sts body='Action=GetCallerIdentity&Version=2011-06-15' seconds=6 conns=4 annotate=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --service) service=$2; shift 2 ;;
    --body) body=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --annotate) annotate=$2; shift 2 ;;
    --save) save=$2; shift 2 ;;
    --kms) kms=$2; shift 2 ;;
    --as-user) as_user=1; shift ;;
    --users) users=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
die() { echo "instr_per_request: $*" >&2; exit 1; }
for t in valgrind callgrind_control callgrind_annotate wrk curl; do
  command -v $t >/dev/null || die "$t is required (apt install valgrind wrk curl)"
done
work=$(mktemp -d /tmp/rampart-instr.XXXXXX)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cp "$RAMPART_BIN" "$work/rampart"
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.out" \
  "$work/rampart" serve --listen 127.0.0.1:0 --data-dir "$work/data" --access-log off --threads 1 \
  "$@" 2>"$work/err" &
pid=$!
for _ in $(seq 400); do grep -q 'listening on' "$work/err" && break; sleep 0.05; done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/err" | grep -o '[0-9]*$') ||
  die "rampart did not start: $(cat "$work/err")"
key=$(sed -n 's/^aws_access_key_id *= *//p' "$work/data/root-credentials")
secret=$(sed -n 's/^aws_secret_access_key *= *//p' "$work/data/root-credentials")
if ((as_user || users)); then
  read -r ukey usecret < <("$PYTHON" - "$port" "$key" "$secret" "$users" "$as_user" <<'PY'
import sys, boto3
port, k, s, n, as_user = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                   aws_access_key_id=k, aws_secret_access_key=s)
for i in range(n):
    iam.create_user(UserName="user%04d" % i)
if as_user:
    iam.create_user(UserName="bench")
    iam.attach_user_policy(UserName="bench", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    a = iam.create_access_key(UserName="bench")["AccessKey"]
    print(a["AccessKeyId"], a["SecretAccessKey"])
else:
    print(k, s)
PY
  )
  key=$ukey secret=$usecret
fi
if [[ -n $kms ]]; then
  mkdir -p "$work/kms"
  "$PYTHON" "$root/bench/kms/sign_kms.py" "127.0.0.1:$port" "$key" "$secret" "$work/kms" >/dev/null
  cp "$work/kms/$kms.lua" "$work/req.lua" || die "no KMS request '$kms' (encrypt, decrypt, gdk)"
  service=kms body=$kms
else
  "$PYTHON" "$here/sign_request.py" "$service" "$body" "127.0.0.1:$port" "$key" "$secret" "$work/req.lua"
  cat >>"$work/req.lua" <<'LUA'
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d non2xx=%d\n", summary.requests, summary.errors.status))
end
LUA
fi
wrk -t1 -c"$conns" -d2s -s "$work/req.lua" "http://127.0.0.1:$port/" >/dev/null  # warm up
callgrind_control -i on "$pid" >/dev/null
line=$(wrk -t1 -c"$conns" -d"${seconds}s" -s "$work/req.lua" "http://127.0.0.1:$port/" | grep '^RESULT')
callgrind_control -d "$pid" >/dev/null
callgrind_control -i off "$pid" >/dev/null
reqs=$(sed 's/.*RESULT requests=\([0-9]*\).*/\1/' <<<"$line")
non2xx=$(sed 's/.*non2xx=\([0-9]*\).*/\1/' <<<"$line")
((reqs > 0)) || die "no requests completed"
((non2xx == 0)) || die "$non2xx non-2xx responses: is the request valid? ($line)"
sleep 0.5
dump=$(ls -t "$work"/cg.out* | head -1)
total=$(sed -n 's/^summary: *//p;s/^totals: *//p' "$dump" | head -1 | awk '{print $1}')
echo "instructions/request $((total / reqs)) ($reqs requests; $service $body)"
[[ -n $save ]] && cp "$dump" "$save"
if ((annotate > 0)); then
  callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | sed -n '/^Ir/,$p' | head -$((annotate + 2))
fi
