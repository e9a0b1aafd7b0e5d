#!/usr/bin/env bash
# KMS Encrypt (1 KiB), Decrypt (of that ciphertext) and GenerateDataKey (AES_256) over signed
# keep-alive HTTP: Rampart vs moto's server, same machine, same run.
#
# Starts Rampart (Release build, --access-log off, fresh data dir, root credentials) and
# `python3 -m moto.server`, creates one symmetric key on each and pre-signs one request per
# operation with botocore's SigV4Auth (bench/kms/sign_kms.py, re-signed before every point to
# stay inside the 15-minute X-Amz-Date window), checks each answers 200 (and that Rampart refuses
# a tampered signature), then drives each with wrk. Points alternate Rampart/moto so both see the
# same background noise; each (operation, server) point is repeated --runs times and the medians
# are reported with the Rampart/moto ratio. Any non-2xx response or socket error fails the run.
#
# usage: bench/kms_load.sh [--runs N] [--duration S] [--moto-duration S] [--conns "64"]
#                          [--wrk-threads N] [--threads N] [--out FILE.md]
# env:   RAMPART_BIN (default build/rampart), PYTHON (default python3 first on PATH)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
RAMPART_BIN=${RAMPART_BIN:-$root/build/rampart}
PYTHON=${PYTHON:-python3}
runs=3 duration=5 moto_duration=3 conns=64 wrk_threads=1 threads=0 out=""

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --moto-duration) moto_duration=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

die() { echo "kms_load: $*" >&2; exit 1; }

source "$root/bench/common.sh"
bench_prerequisites moto botocore
moto_version=$("$PYTHON" -c 'import moto; print(moto.__version__)')

work=$(mktemp -d /tmp/rampart-kms-load.XXXXXX)
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

sign() {  # NAME PORT KEY SECRET -> $work/NAME/req-NAME/{encrypt,decrypt,gdk}.{lua,curl}
  mkdir -p "$work/req-$1"
  local kid_file=$work/$1.keyid
  if [[ -s $kid_file ]]; then
    "$PYTHON" "$root/bench/kms/sign_kms.py" "127.0.0.1:$2" "$3" "$4" "$work/req-$1" --key-id "$(cat "$kid_file")" >/dev/null
  else
    "$PYTHON" "$root/bench/kms/sign_kms.py" "127.0.0.1:$2" "$3" "$4" "$work/req-$1" >"$kid_file"
  fi
}

preflight() {  # NAME PORT: every signed request must answer 200 with its output member
  local op code; local -a args
  for op in encrypt:CiphertextBlob decrypt:Plaintext gdk:CiphertextBlob; do
    mapfile -t args <"$work/req-$1/${op%%:*}.curl"
    code=$(curl -s -o "$work/$1.body" -w '%{http_code}' "${args[@]}" "http://127.0.0.1:$2/")
    [[ $code == 200 ]] && grep -q "\"${op#*:}\"" "$work/$1.body" ||
      die "$1 ${op%%:*} preflight: HTTP $code: $(head -c 400 "$work/$1.body")"
  done
}

sign rampart "$rampart_port" "$key" "$secret"; preflight rampart "$rampart_port"
sign moto "$moto_port" AKIDEXAMPLE wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY; preflight moto "$moto_port"
# Negative control: a request with a wrong signature must be refused, so the loop really pays
# for verification.
sed "s/Signature=[0-9a-f]*/Signature=$(printf '0%.0s' {1..64})/" "$work/req-rampart/encrypt.curl" >"$work/tampered.curl"
mapfile -t targs <"$work/tampered.curl"
tcode=$(curl -s -o /dev/null -w '%{http_code}' "${targs[@]}" "http://127.0.0.1:$rampart_port/")
[[ $tcode == 403 || $tcode == 400 ]] || die "rampart accepted a wrong signature (HTTP $tcode)"

# --- load ----------------------------------------------------------------------------------------
results=$work/results.tsv  # server conns run rps p50_us p99_us requests load1
: >"$results"
point() {  # SERVER PORT CONNS RUN DURATION OP
  local name=$1 port=$2 c=$3 run=$4 d=$5 op=$6 t=$wrk_threads load1 line
  ((t > c)) && t=$c
  if [[ $name == rampart ]]; then sign rampart "$port" "$key" "$secret"
  else sign moto "$port" AKIDEXAMPLE wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY; fi
  load1=$(cut -d' ' -f1 /proc/loadavg)
  line=$(timeout $((d + 30)) wrk -t"$t" -c"$c" -d"${d}s" --timeout 5s -s "$work/req-$name/$op.lua" \
    "http://127.0.0.1:$port/" | grep '^RESULT') || die "$name $op c=$c: wrk failed"
  declare -A r=()
  for kv in ${line#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  local errs=$((r[non2xx] + r[connect_err] + r[read_err] + r[write_err] + r[timeout_err]))
  ((r[requests] > 0)) || die "$name $op c=$c: no requests completed"
  ((errs == 0)) || die "$name $op c=$c: $line"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$c" "$run" "${r[rps]}" "${r[p50_us]}" \
    "${r[p99_us]}" "${r[requests]}" "$load1" "$op" >>"$results"
  printf '  %-8s %-8s c=%-3s run %s: %9.0f req/s  p50 %6s us  p99 %7s us  (%s requests, 0 errors, load1 %s)\n' \
    "$name" "$op" "$c" "$run" "${r[rps]}" "${r[p50_us]}" "${r[p99_us]}" "${r[requests]}" "$load1" >&2
}

cores=$(nproc)
rampart_threads=$threads; ((rampart_threads == 0)) && rampart_threads="$cores (one per core)"
commit=${RAMPART_LABEL:-$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)}
echo "kms_load: rampart @$commit on :$rampart_port (threads $rampart_threads)," \
  "moto $moto_version on :$moto_port; $cores cores; $runs runs x ${duration}s/${moto_duration}s; wrk -t$wrk_threads" >&2
for run in $(seq "$runs"); do
  for op in encrypt decrypt gdk; do
    for c in $conns; do
      point rampart "$rampart_port" "$c" "$run" "$duration" "$op"
      point moto "$moto_port" "$c" "$run" "$moto_duration" "$op"
    done
  done
done
# Rampart must still be answering after the load (no crash, no wedged acceptor).
preflight rampart "$rampart_port"

# --- report --------------------------------------------------------------------------------------
report=$("$PYTHON" - "$results" "$runs" "$duration" "$moto_duration" "$wrk_threads" "$moto_version" "$rampart_threads" "$commit" <<'EOF'
import statistics as st, sys, datetime
path, runs, d, md, wt, mv, rt, commit = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(path)]
def med(server, op, c, col):
    return st.median(float(r[col]) for r in rows if r[0] == server and r[8] == op and r[1] == c)
conns = sorted({r[1] for r in rows}, key=int)
loads = [float(r[7]) for r in rows]
names = {"encrypt": "Encrypt 1 KiB", "decrypt": "Decrypt 1 KiB", "gdk": "GenerateDataKey AES_256"}
print(f"Signed KMS calls, keep-alive HTTP/1.1, loopback, {datetime.datetime.now():%Y-%m-%d %H:%M}, rampart @{commit}; "
      f"median of {runs} runs ({d} s Rampart / {md} s moto per point), wrk -t{wt}; Rampart threads {rt}; "
      f"moto {mv}; load1 before points {min(loads):.2f}-{max(loads):.2f}.")
print()
print("| operation | connections | Rampart req/s | Rampart p50 | Rampart p99 | moto req/s | moto p50 | moto p99 | Rampart/moto req/s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
def ms(us):
    return f"{us:.0f} µs" if us < 1000 else f"{us/1000:.2f} ms" if us < 100000 else f"{us/1000:.0f} ms"
for op in ("encrypt", "decrypt", "gdk"):
    for c in conns:
        rr, mr = med("rampart", op, c, 3), med("moto", op, c, 3)
        print(f"| {names[op]} | {c} | {rr:,.0f} | {ms(med('rampart', op, c, 4))} | {ms(med('rampart', op, c, 5))} | "
              f"{mr:,.0f} | {ms(med('moto', op, c, 4))} | {ms(med('moto', op, c, 5))} | **{rr/mr:.0f}x** |")
print()
print("Per run (req/s): " + "; ".join(
    f"{s} {op} c={c}: " + ", ".join(f"{float(r[3]):,.0f}" for r in rows if r[0] == s and r[8] == op and r[1] == c)
    for op in ("encrypt", "decrypt", "gdk") for c in conns for s in ("rampart", "moto")))
EOF
)
echo "$report"
[[ -n $out ]] && echo "$report" >"$out"
exit 0
