#!/usr/bin/env bash
# Signed STS GetCallerIdentity over keep-alive HTTP: Rampart vs moto's server, same machine, same run.
#
# Starts Rampart (Release build, --access-log off, fresh data dir, root credentials) and
# `python3 -m moto.server` (any key accepted), checks one signed request against each returns 200
# with an <Arn> (and that Rampart rejects a tampered signature with 403, so the loop really pays
# for verification), then drives each with wrk replaying a request pre-signed by botocore's
# SigV4Auth (bench/server/sign_gci.py, re-signed before every point to stay inside the 15-minute
# X-Amz-Date window). Points alternate between the servers so all see the same background noise;
# each (server, connections) point is repeated --runs times and the medians are reported with the
# ratio to moto. Any non-2xx response or socket error makes the run fail.
#
# --no-recording-peer adds a second Rampart started with `--event-recording false` (CloudTrail
# recording off; only to measure what recording costs) as a third server in the same run.
#
# usage: bench/server/gci_load.sh [--runs N] [--duration S] [--moto-duration S] [--conns "1 64"]
#                                 [--wrk-threads N] [--threads N] [--no-recording-peer]
#                                 [--out FILE.md]
# env:   RAMPART_BIN (default build/rampart), RAMPART_LABEL (what to call that binary in the report;
#        default: `git describe --always --dirty` of this tree), PYTHON (default python3 on PATH)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
RAMPART_BIN=${RAMPART_BIN:-$root/build/rampart}
PYTHON=${PYTHON:-python3}
runs=3 duration=10 moto_duration=5 conns="1 64" wrk_threads=1 threads=0 out="" norec=0

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --moto-duration) moto_duration=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --no-recording-peer) norec=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

die() { echo "gci_load: $*" >&2; exit 1; }

source "$root/bench/common.sh"
bench_prerequisites moto botocore
moto_version=$("$PYTHON" -c 'import moto; print(moto.__version__)')
commit=${RAMPART_LABEL:-$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)}

work=$(mktemp -d /tmp/rampart-gci-load.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
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
declare -A port key secret
start_rampart() {  # NAME [EXTRA ARGS...]
  local name=$1; shift
  "$work/rampart" serve --listen 127.0.0.1:0 --data-dir "$work/$name.data" --access-log off \
    --threads "$threads" "$@" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do grep -q 'listening on' "$work/$name.err" && break; sleep 0.05; done
  port[$name]=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/$name.err" | grep -o '[0-9]*$') ||
    die "$name did not start: $(cat "$work/$name.err")"
  wait_http "http://127.0.0.1:${port[$name]}/_rampart/health" 5 || die "$name health check failed"
  key[$name]=$(sed -n 's/^aws_access_key_id *= *//p' "$work/$name.data/root-credentials")
  secret[$name]=$(sed -n 's/^aws_secret_access_key *= *//p' "$work/$name.data/root-credentials")
}

servers=(rampart)
start_rampart rampart
if ((norec)); then
  "$work/rampart" serve --help | grep -q -- --event-recording ||
    die "--no-recording-peer: this rampart has no --event-recording option"
  start_rampart rampart_norec --event-recording false
  servers+=(rampart_norec)
fi

port[moto]=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
key[moto]=AKIDEXAMPLE secret[moto]=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
"$PYTHON" -m moto.server -H 127.0.0.1 -p "${port[moto]}" >"$work/moto.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:${port[moto]}/moto-api/" 30 || die "moto did not start: $(cat "$work/moto.log")"
servers+=(moto)

sign() {  # NAME [SECRET] -> $work/NAME.lua and $work/NAME.curl
  "$PYTHON" "$here/sign_gci.py" "127.0.0.1:${port[$1]}" "${key[$1]}" "${2:-${secret[$1]}}" \
    "$work/$1.lua" --curl "$work/$1.curl"
}

preflight() {  # NAME: one signed request must answer 200 with an Arn
  local -a args; mapfile -t args <"$work/$1.curl"
  local code; code=$(curl -s -o "$work/$1.body" -w '%{http_code}' "${args[@]}" "http://127.0.0.1:${port[$1]}/")
  [[ $code == 200 ]] && grep -q '<Arn>' "$work/$1.body" ||
    die "$1 preflight: HTTP $code: $(head -c 400 "$work/$1.body")"
}

for s in "${servers[@]}"; do sign "$s"; preflight "$s"; done
# Negative control: with the secret's last character changed Rampart must refuse.
sign rampart "${secret[rampart]%?}x"
mapfile -t targs <"$work/rampart.curl"
tcode=$(curl -s -o /dev/null -w '%{http_code}' "${targs[@]}" "http://127.0.0.1:${port[rampart]}/")
[[ $tcode == 403 ]] || die "rampart accepted a wrong signature (HTTP $tcode)"

# --- load ----------------------------------------------------------------------------------------
results=$work/results.tsv  # server conns run rps p50_us p99_us requests load1
: >"$results"
point() {  # SERVER CONNS RUN DURATION
  local name=$1 c=$2 run=$3 d=$4 t=$wrk_threads load1 line
  ((t > c)) && t=$c
  sign "$name"
  load1=$(cut -d' ' -f1 /proc/loadavg)
  line=$(timeout $((d + 30)) wrk -t"$t" -c"$c" -d"${d}s" --timeout 5s -s "$work/$name.lua" \
    "http://127.0.0.1:${port[$name]}/" | grep '^RESULT') || die "$name c=$c: wrk failed"
  declare -A r=()
  for kv in ${line#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  local errs=$((r[non2xx] + r[connect_err] + r[read_err] + r[write_err] + r[timeout_err]))
  ((r[requests] > 0)) || die "$name c=$c: no requests completed"
  ((errs == 0)) || die "$name c=$c: $line"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$c" "$run" "${r[rps]}" "${r[p50_us]}" \
    "${r[p99_us]}" "${r[requests]}" "$load1" >>"$results"
  printf '  %-13s c=%-3s run %s: %9.0f req/s  p50 %6s us  p99 %7s us  (%s requests, 0 errors, load1 %s)\n' \
    "$name" "$c" "$run" "${r[rps]}" "${r[p50_us]}" "${r[p99_us]}" "${r[requests]}" "$load1" >&2
}

cores=$(nproc)
rampart_threads=$threads; ((rampart_threads == 0)) && rampart_threads="$cores (one per core)"
echo "gci_load: rampart @$commit (threads $rampart_threads), moto $moto_version; $cores cores;" \
  "$runs runs x ${duration}s/${moto_duration}s; wrk -t$wrk_threads" >&2
for run in $(seq "$runs"); do
  for c in $conns; do
    for s in "${servers[@]}"; do
      if [[ $s == moto ]]; then point "$s" "$c" "$run" "$moto_duration"
      else point "$s" "$c" "$run" "$duration"; fi
    done
  done
done
# Rampart must still be answering after the load (no crash, no wedged acceptor).
for s in "${servers[@]}"; do sign "$s"; preflight "$s"; done

# --- report --------------------------------------------------------------------------------------
report=$("$PYTHON" - "$results" "$runs" "$duration" "$moto_duration" "$wrk_threads" "$moto_version" \
  "$rampart_threads" "$commit" <<'EOF'
import statistics as st, sys, datetime
path, runs, d, md, wt, mv, rt, commit = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(path)]
def med(server, c, col):
    return st.median(float(r[col]) for r in rows if r[0] == server and r[1] == c)
conns = sorted({r[1] for r in rows}, key=int)
servers = list(dict.fromkeys(r[0] for r in rows))
names = {"rampart": "Rampart", "rampart_norec": "Rampart, `--event-recording false`",
         "moto": f"moto {mv}"}
loads = [float(r[7]) for r in rows]
def ms(us):
    return f"{us:.0f} µs" if us < 1000 else f"{us/1000:.2f} ms" if us < 100000 else f"{us/1000:.0f} ms"
print(f"Signed STS GetCallerIdentity, keep-alive HTTP/1.1, loopback, "
      f"{datetime.datetime.now():%Y-%m-%d %H:%M}, rampart @{commit}; median of {runs} runs "
      f"({d} s Rampart / {md} s moto per point), wrk -t{wt}; Rampart threads {rt}; "
      f"load1 before points {min(loads):.2f}-{max(loads):.2f}.")
print()
print("| connections | server | req/s | p50 | p99 | × moto req/s |")
print("|---:|---|---:|---:|---:|---:|")
for c in conns:
    moto = med("moto", c, 3)
    for s in servers:
        rps = med(s, c, 3)
        ratio = "1" if s == "moto" else f"**{rps/moto:.0f}×**"
        print(f"| {c} | {names.get(s, s)} | {rps:,.0f} | {ms(med(s, c, 4))} | {ms(med(s, c, 5))} | {ratio} |")
print()
print("Per run (req/s): " + "; ".join(
    f"{s} c={c}: " + ", ".join(f"{float(r[3]):,.0f}" for r in rows if r[0] == s and r[1] == c)
    for c in conns for s in servers))
EOF
)
echo "$report"
[[ -n $out ]] && echo "$report" >"$out"
exit 0
