#!/usr/bin/env bash
# S3 PutObject and GetObject of 4 KiB over signed keep-alive HTTP: Rampart vs moto's server, same
# machine, same run (issue 14).
#
# Starts Rampart (Release build, --access-log off, fresh data dir, root credentials) and
# `python3 -m moto.server`, creates a bucket on each (us-east-1, path-style URLs
# http://127.0.0.1:PORT/BUCKET/KEY) holding 256 objects of the same 4 KiB, and pre-signs one
# PutObject and one GetObject per key with botocore's SigV4Auth (bench/s3/sign_s3.py; the PUT
# carries x-amz-content-sha256 = the body's SHA-256, so the server hashes every body; re-signed
# before every point to stay inside the 15-minute X-Amz-Date window). Checks each answers 200
# (and that Rampart refuses a tampered signature), then drives each with wrk, rotating over the
# 256 keys. Points alternate Rampart/moto so both see the same background noise; each
# (operation, server) point is repeated --runs times and the medians are reported with the
# Rampart/moto ratio. Any non-2xx response or socket error fails the run, printing the body of a
# failing request.
#
# Rampart's PutObject is durable: the object's file is fdatasync'd and its directory fsync'd
# before the reply. moto keeps objects in memory (spooled to a temp file past 5 MiB) and syncs
# nothing.
#
# usage: bench/s3_load.sh [--runs N] [--duration S] [--moto-duration S] [--conns "64"]
#                         [--wrk-threads N] [--threads N] [--keys N] [--out FILE.md]
# env:   RAMPART_BIN (default build/rampart), PYTHON (default python3 first on PATH),
#        BENCH_TMP (where the data dir goes, default /tmp)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
RAMPART_BIN=${RAMPART_BIN:-$root/build/rampart}
PYTHON=${PYTHON:-python3}
runs=3 duration=5 moto_duration=3 conns=64 wrk_threads=1 threads=0 keys=256 out=""

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --moto-duration) moto_duration=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

die() { echo "s3_load: $*" >&2; exit 1; }

source "$root/bench/common.sh"
bench_prerequisites moto botocore boto3
moto_version=$("$PYTHON" -c 'import moto; print(moto.__version__)')

work=$(mktemp -d "${BENCH_TMP:-/tmp}/rampart-s3-load.XXXXXX")
rampart_pid="" moto_pid=""
cleanup() {
  [[ -n $rampart_pid ]] && kill "$rampart_pid" 2>/dev/null && wait "$rampart_pid" 2>/dev/null
  [[ -n $moto_pid ]] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() {  # URL TIMEOUT_S: poll until any HTTP answer
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null --max-time 1 "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# --- servers -------------------------------------------------------------------------------------
# Run a private copy: another build relinking build/rampart mid-run must not change what we measure.
cp "$RAMPART_BIN" "$work/rampart"
"$work/rampart" serve --listen 127.0.0.1:0 --data-dir "$work/data" --access-log off --threads "$threads" \
  2>"$work/rampart.err" &
rampart_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/rampart.err" && break; sleep 0.05; done
rampart_port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/rampart.err" | grep -o '[0-9]*$') ||
  die "rampart did not start: $(cat "$work/rampart.err")"
wait_http "http://127.0.0.1:$rampart_port/_rampart/health" 5 || die "rampart health check failed"
key=$(sed -n 's/^aws_access_key_id *= *//p' "$work/data/root-credentials")
secret=$(sed -n 's/^aws_secret_access_key *= *//p' "$work/data/root-credentials")

moto_port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$PYTHON" -m moto.server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
wait_http "http://127.0.0.1:$moto_port/moto-api/" 30 || die "moto did not start: $(cat "$work/moto.log")"

sign() {  # NAME PORT [--setup] -> $work/req-NAME/{put,get}.{lua,curl}
  local name=$1 port=$2; shift 2
  local k=$key s=$secret
  [[ $name == moto ]] && k=AKIDEXAMPLE s=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
  "$PYTHON" "$root/bench/s3/sign_s3.py" "127.0.0.1:$port" "$k" "$s" "$work/req-$name" --keys "$keys" "$@" ||
    die "$name: signing/setup failed"
}

preflight() {  # NAME: the signed PUT and GET of key 0 must answer 200, the GET with the body
  local op code; local -a args
  for op in put get; do
    mapfile -t args <"$work/req-$1/$op.curl"
    code=$(curl -s -o "$work/$1.body" -w '%{http_code}' "${args[@]}")
    [[ $code == 200 ]] || die "$1 $op preflight: HTTP $code: $(head -c 400 "$work/$1.body")"
  done
  cmp -s "$work/$1.body" "$work/req-$1/body" || die "$1 GetObject returned other bytes than were put"
}

sign rampart "$rampart_port" --setup; preflight rampart
sign moto "$moto_port" --setup; preflight moto
# Negative control: a PUT with a wrong signature must be refused, so the loop really pays for
# verification.
mapfile -t targs <"$work/req-rampart/tampered.curl"
tcode=$(curl -s -o /dev/null -w '%{http_code}' "${targs[@]}")
[[ $tcode == 403 ]] || die "rampart accepted a wrong signature (HTTP $tcode)"

# --- load ----------------------------------------------------------------------------------------
results=$work/results.tsv  # server conns run rps p50_us p99_us requests load1 op
: >"$results"
# On a failed point, show what the server answers now to the same request (status and body),
# so an error under load is reported, not hidden.
show_failure() {  # NAME OP
  local -a args
  sign "$1" "$([[ $1 == rampart ]] && echo "$rampart_port" || echo "$moto_port")"
  mapfile -t args <"$work/req-$1/$2.curl"
  echo "s3_load: $1 $2 answers now: $(curl -s -o "$work/fail.body" -w 'HTTP %{http_code}' "${args[@]}"):" \
    "$(head -c 600 "$work/fail.body")" >&2
  [[ $1 == rampart ]] && { echo "s3_load: rampart stderr (last 20 lines):" >&2; tail -n 20 "$work/rampart.err" >&2; }
  kill -0 "$rampart_pid" 2>/dev/null || echo "s3_load: rampart is no longer running" >&2
}
point() {  # SERVER PORT CONNS RUN DURATION OP
  local name=$1 port=$2 c=$3 run=$4 d=$5 op=$6 t=$wrk_threads load1 line
  ((t > c)) && t=$c
  sign "$name" "$port"
  load1=$(cut -d' ' -f1 /proc/loadavg)
  line=$(timeout $((d + 30)) wrk -t"$t" -c"$c" -d"${d}s" --timeout 5s -s "$work/req-$name/$op.lua" \
    "http://127.0.0.1:$port/" | grep '^RESULT') || { show_failure "$name" "$op"; die "$name $op c=$c: wrk failed"; }
  declare -A r=()
  for kv in ${line#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  local errs=$((r[non2xx] + r[connect_err] + r[read_err] + r[write_err] + r[timeout_err]))
  ((r[requests] > 0)) || { show_failure "$name" "$op"; die "$name $op c=$c: no requests completed"; }
  ((errs == 0)) || { show_failure "$name" "$op"; die "$name $op c=$c: $line"; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$c" "$run" "${r[rps]}" "${r[p50_us]}" \
    "${r[p99_us]}" "${r[requests]}" "$load1" "$op" >>"$results"
  printf '  %-8s %-4s c=%-3s run %s: %9.0f req/s  p50 %7s us  p99 %8s us  (%s requests, 0 errors, load1 %s)\n' \
    "$name" "$op" "$c" "$run" "${r[rps]}" "${r[p50_us]}" "${r[p99_us]}" "${r[requests]}" "$load1" >&2
}

cores=$(nproc)
rampart_threads=$threads; ((rampart_threads == 0)) && rampart_threads="$cores (one per core)"
commit=${RAMPART_LABEL:-$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)}
fs=$(df --output=source,fstype "$work" | tail -1 | tr -s ' ')
echo "s3_load: rampart @$commit on :$rampart_port (threads $rampart_threads, data on $fs)," \
  "moto $moto_version on :$moto_port; $cores cores; $runs runs x ${duration}s/${moto_duration}s; wrk -t$wrk_threads" >&2
for run in $(seq "$runs"); do
  for op in put get; do
    for c in $conns; do
      point rampart "$rampart_port" "$c" "$run" "$duration" "$op"
      point moto "$moto_port" "$c" "$run" "$moto_duration" "$op"
    done
  done
done
# Rampart must still be answering after the load (no crash, no wedged acceptor).
sign rampart "$rampart_port"; preflight rampart

# --- report --------------------------------------------------------------------------------------
report=$("$PYTHON" - "$results" "$runs" "$duration" "$moto_duration" "$wrk_threads" "$moto_version" "$rampart_threads" "$commit" "$keys" "$fs" <<'PY'
import statistics as st, sys, datetime
path, runs, d, md, wt, mv, rt, commit, keys, fs = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(path)]
def med(server, op, c, col):
    return st.median(float(r[col]) for r in rows if r[0] == server and r[8] == op and r[1] == c)
conns = sorted({r[1] for r in rows}, key=int)
loads = [float(r[7]) for r in rows]
names = {"put": "PutObject 4 KiB", "get": "GetObject 4 KiB"}
print(f"Signed S3 calls (path-style, x-amz-content-sha256 = the body's SHA-256), {keys} keys in turn, "
      f"keep-alive HTTP/1.1, loopback, {datetime.datetime.now():%Y-%m-%d %H:%M}, rampart @{commit} "
      f"(data dir on {fs}; PutObject fdatasync'd before the reply, moto syncs nothing); "
      f"median of {runs} runs ({d} s Rampart / {md} s moto per point), wrk -t{wt}; Rampart threads {rt}; "
      f"moto {mv}; load1 before points {min(loads):.2f}-{max(loads):.2f}.")
print()
print("| operation | connections | Rampart req/s | Rampart p50 | Rampart p99 | moto req/s | moto p50 | moto p99 | Rampart/moto req/s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
def ms(us):
    return f"{us:.0f} µs" if us < 1000 else f"{us/1000:.2f} ms" if us < 100000 else f"{us/1000:.0f} ms"
for op in ("put", "get"):
    for c in conns:
        rr, mr = med("rampart", op, c, 3), med("moto", op, c, 3)
        print(f"| {names[op]} | {c} | {rr:,.0f} | {ms(med('rampart', op, c, 4))} | {ms(med('rampart', op, c, 5))} | "
              f"{mr:,.0f} | {ms(med('moto', op, c, 4))} | {ms(med('moto', op, c, 5))} | **{rr/mr:.0f}x** |")
print()
print("Per run (req/s): " + "; ".join(
    f"{s} {op} c={c}: " + ", ".join(f"{float(r[3]):,.0f}" for r in rows if r[0] == s and r[8] == op and r[1] == c)
    for op in ("put", "get") for c in conns for s in ("rampart", "moto")))
PY
)
echo "$report"
[[ -n $out ]] && echo "$report" >"$out"
exit 0
