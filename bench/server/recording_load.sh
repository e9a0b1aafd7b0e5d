#!/usr/bin/env bash
# Issue 5's cost of CloudTrail recording: signed STS GetCallerIdentity at 1 and 64 keep-alive
# connections against two servers started the same way, one recording every call (the default:
# each reply waits until its record is in the log) and one with --event-recording false.
# Points alternate between the servers (ABBA) so both see the same background noise. Reports the
# medians of RUNS points per server and the median of the per-pair costs (each recording point
# against the non-recording point paired with it: robust to the machine's load drifting).
# Also reports each server's CPU time per request (user + system, from /proc/PID/stat over the
# point): a second view of the cost. And the best point of each server (highest throughput,
# least CPU per request): the machine's other load only ever makes a point worse.
# usage: bench/server/recording_load.sh [seconds-per-point=5] [runs=5]
# env:   RAMPART_BIN (the binary), BENCH_TMP (where the data directories go; default /tmp),
#        CONNS (the connection counts to measure; default "1 64"), SERVE_ARGS (more arguments
#        for both servers, e.g. "--threads 1")
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${RAMPART_BIN:-build/rampart}
SECS=${1:-5}
RUNS=${2:-5}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
work=$(mktemp -d "${BENCH_TMP:-/tmp}/rampart-rec.XXXXXX")  # BENCH_TMP=/dev/shm: tmpfs
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
start() {  # start NAME ARGS... -> PORT
  local name=$1; shift
  # shellcheck disable=SC2086 # SERVE_ARGS is a list of words
  "$BIN" serve --listen 127.0.0.1:0 --access-log off --data-dir "$work/$name" ${SERVE_ARGS:-} "$@" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/$name.err" | sed 's/.*://' || true)
    [ -n "$PORT" ] && return 0
    sleep 0.05
  done
  echo "server $name did not start" >&2; exit 1
}
sign() {  # sign NAME PORT OUT
  local k s
  k=$(grep aws_access_key_id "$work/$1/root-credentials" | awk '{print $3}')
  s=$(grep aws_secret_access_key "$work/$1/root-credentials" | awk '{print $3}')
  /usr/bin/python3 bench/server/sign_request.py sts "Action=GetCallerIdentity&Version=2011-06-15" \
    "127.0.0.1:$2" "$k" "$s" "$3"
}
start on; ON=$PORT; ON_PID=${pids[-1]}; sign on "$ON" "$work/on.lua"
start off --event-recording false; OFF=$PORT; OFF_PID=${pids[-1]}; sign off "$OFF" "$work/off.lua"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)
point() {  # point CONNS SCRIPT PORT PID -> "rps cpu-us-per-request"
  local t0 t1 out
  t0=$(ticks "$4")
  out=$(wrk -t1 -c"$1" -d"${SECS}s" -s "$2" "http://127.0.0.1:$3/")
  t1=$(ticks "$4")
  awk -v t0="$t0" -v t1="$t1" -v hz="$TCK" '
    / requests in / { n = $1 }
    /Requests\/sec/ { r = $2 }
    END { printf "%s %.2f\n", r, (t1 - t0) / hz * 1e6 / n }' <<<"$out"
}
med() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for c in ${CONNS:-1 64}; do
  a=(); b=(); pair=(); ca=(); cb=(); cpair=()
  for i in $(seq "$RUNS"); do
    # ABBA: which server goes first alternates, so neither always runs right after the other.
    if ((i % 2)); then
      read -r x xc < <(point "$c" "$work/on.lua" "$ON" "$ON_PID")
      read -r y yc < <(point "$c" "$work/off.lua" "$OFF" "$OFF_PID")
    else
      read -r y yc < <(point "$c" "$work/off.lua" "$OFF" "$OFF_PID")
      read -r x xc < <(point "$c" "$work/on.lua" "$ON" "$ON_PID")
    fi
    a+=("$x"); b+=("$y"); pair+=("$(awk -v a="$x" -v b="$y" 'BEGIN { printf "%.1f", (1 - a / b) * 100 }')")
    ca+=("$xc"); cb+=("$yc"); cpair+=("$(awk -v a="$xc" -v b="$yc" 'BEGIN { printf "%.1f", (a / b - 1) * 100 }')")
  done
  am=$(med "${a[@]}"); bm=$(med "${b[@]}")
  echo "GetCallerIdentity, $c connection(s): recording ${a[*]} (median $am), not recording ${b[*]} (median $bm)"
  awk -v a="$am" -v b="$bm" -v p="$(med "${pair[@]}")" -v all="${pair[*]}" \
    'BEGIN { printf "  recording cost: %.1f%% of median throughput; per pair %s%% (median %.1f%%)\n", (1 - a / b) * 100, all, p }'
  echo "  server CPU us/request: recording ${ca[*]} (median $(med "${ca[@]}")), not recording ${cb[*]} (median $(med "${cb[@]}"))"
  echo "  recording cost in CPU per request, per pair ${cpair[*]}% (median $(med "${cpair[@]}")%)"
  # Best of the points: noise from the rest of the machine only ever takes throughput away.
  ab=$(printf '%s\n' "${a[@]}" | sort -n | tail -1); bb=$(printf '%s\n' "${b[@]}" | sort -n | tail -1)
  cab=$(printf '%s\n' "${ca[@]}" | sort -n | head -1); cbb=$(printf '%s\n' "${cb[@]}" | sort -n | head -1)
  awk -v a="$ab" -v b="$bb" -v ca="$cab" -v cb="$cbb" 'BEGIN { printf "  best points: %.0f vs %.0f req/s (cost %.1f%%), %.2f vs %.2f CPU us/request (cost %.1f%%)\n", a, b, (1 - a / b) * 100, ca, cb, (ca / cb - 1) * 100 }'
done
