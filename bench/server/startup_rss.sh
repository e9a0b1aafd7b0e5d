#!/usr/bin/env bash
# Start-to-first-answer time, idle RSS, and RSS under a 1-minute load run of `rampart serve`.
#
# 1. Start time (bench/server/startup_probe.py): spawn -> first 200 on GET /_rampart/health,
#    median of --start-runs runs, with a fresh data dir each run (full bootstrap), with an existing
#    data dir, and in --dev mode. For scale, the time to exec `rampart --help` (dynamic loading and
#    static initialisers, no server) is measured the same way.
# 2. Idle RSS: VmRSS from /proc/PID/status --idle-wait seconds after the first 200 (fresh data dir).
# 3. RSS under load: wrk at --conns connections for --load-seconds replaying a signed STS
#    GetCallerIdentity (bench/server/sign_gci.py), VmRSS sampled every --sample-every seconds during
#    the run and once after it. "Flat" = the last sample under load is within --flat-kb of the
#    sample taken after the first 10 s (allocator pools and per-connection buffers are warm by
#    then). Any non-2xx response or socket error fails the run. --load-seconds 0 skips this part.
#
# usage: bench/server/startup_rss.sh [--start-runs N] [--load-seconds S] [--sample-every S]
#                                    [--conns N] [--threads N] [--flat-kb KB] [--out FILE.md]
# env:   RAMPART_BIN (default build/rampart), RAMPART_LABEL (what to call that binary in the report;
#        default: `git describe --always --dirty` of this tree), PYTHON (default python3 on PATH)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
RAMPART_BIN=${RAMPART_BIN:-$root/build/rampart}
PYTHON=${PYTHON:-python3}
start_runs=11 load_seconds=60 sample_every=5 conns=64 threads=0 flat_kb=1024 idle_wait=2 out=""

while [[ $# -gt 0 ]]; do
  case $1 in
    --start-runs) start_runs=$2; shift 2 ;;
    --load-seconds) load_seconds=$2; shift 2 ;;
    --sample-every) sample_every=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --flat-kb) flat_kb=$2; shift 2 ;;
    --idle-wait) idle_wait=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

die() { echo "startup_rss: $*" >&2; exit 1; }

source "$root/bench/common.sh"
bench_prerequisites botocore

work=$(mktemp -d /tmp/rampart-startup-rss.XXXXXX)
server_pid="" wrk_pid=""
cleanup() {
  [[ -n $wrk_pid ]] && kill "$wrk_pid" 2>/dev/null && wait "$wrk_pid" 2>/dev/null
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A private copy: another build relinking build/rampart mid-run must not change what we measure.
cp "$RAMPART_BIN" "$work/rampart"
bin=$work/rampart
commit=${RAMPART_LABEL:-$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)}

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN{printf "%.1f MB", k/1024}'; }

# --- 1. start-to-first-answer --------------------------------------------------------------------
load_start=$(cut -d' ' -f1 /proc/loadavg)
echo "startup_rss: rampart @$commit, $(nproc) cores, load1 $load_start" >&2
exec_ms=$("$PYTHON" - "$bin" "$start_runs" <<'EOF'
import statistics, subprocess, sys, time
b, n = sys.argv[1], int(sys.argv[2])
ts = []
for _ in range(n):
    t0 = time.perf_counter()
    subprocess.run([b, "--help"], stdout=subprocess.DEVNULL, check=True)
    ts.append((time.perf_counter() - t0) * 1000)
print(f"{statistics.median(ts):.2f}")
EOF
)
declare -A start_med start_min start_max stop_med
for mode in fresh existing dev; do
  line=$("$PYTHON" "$here/startup_probe.py" "$bin" "$work" "$mode" "$start_runs" | grep '^RESULT')
  declare -A r=()
  for kv in ${line#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  start_med[$mode]=${r[median_ms]} start_min[$mode]=${r[min_ms]} start_max[$mode]=${r[max_ms]}
  stop_med[$mode]=${r[stop_median_ms]}
done

# --- 2. idle RSS ---------------------------------------------------------------------------------
"$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" --access-log off --threads "$threads" \
  2>"$work/rampart.err" &
server_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/rampart.err" && break; sleep 0.05; done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/rampart.err" | grep -o '[0-9]*$') ||
  die "rampart did not start: $(cat "$work/rampart.err")"
until curl -sf -o /dev/null "http://127.0.0.1:$port/_rampart/health"; do sleep 0.01; done
sleep "$idle_wait"
idle_rss=$(rss_kb "$server_pid") idle_hwm=$(hwm_kb "$server_pid")
echo "  idle: VmRSS $(mb "$idle_rss"), VmHWM $(mb "$idle_hwm")" >&2

# --- 3. RSS during and after load ----------------------------------------------------------------
if ((load_seconds > 0)); then
  key=$(sed -n 's/^aws_access_key_id *= *//p' "$work/data/root-credentials")
  secret=$(sed -n 's/^aws_secret_access_key *= *//p' "$work/data/root-credentials")
  "$PYTHON" "$here/sign_gci.py" "127.0.0.1:$port" "$key" "$secret" "$work/gci.lua" --curl "$work/gci.curl"
  mapfile -t args <"$work/gci.curl"
  code=$(curl -s -o "$work/body" -w '%{http_code}' "${args[@]}" "http://127.0.0.1:$port/")
  [[ $code == 200 ]] || die "signed GetCallerIdentity preflight: HTTP $code: $(head -c 300 "$work/body")"

  wrk_threads=1
  timeout $((load_seconds + 30)) wrk -t$wrk_threads -c"$conns" -d"${load_seconds}s" --timeout 5s \
    -s "$work/gci.lua" "http://127.0.0.1:$port/" >"$work/wrk.out" 2>&1 &
  wrk_pid=$!
  samples=()  # "seconds:kb"
  t0=$SECONDS
  while kill -0 "$wrk_pid" 2>/dev/null; do
    sleep "$sample_every"
    kill -0 "$wrk_pid" 2>/dev/null || break
    s=$((SECONDS - t0)) kb=$(rss_kb "$server_pid")
    samples+=("$s:$kb")
    echo "  load t=${s}s: VmRSS $(mb "$kb")" >&2
  done
  wait "$wrk_pid" || die "wrk failed: $(cat "$work/wrk.out")"
  wrk_pid=""
  line=$(grep '^RESULT' "$work/wrk.out") || die "wrk produced no result: $(cat "$work/wrk.out")"
  declare -A w=()
  for kv in ${line#RESULT }; do w[${kv%%=*}]=${kv#*=}; done
  errs=$((w[non2xx] + w[connect_err] + w[read_err] + w[write_err] + w[timeout_err]))
  ((errs == 0)) || die "errors under load: $line"
  sleep 1
  after_rss=$(rss_kb "$server_pid") after_hwm=$(hwm_kb "$server_pid")
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/_rampart/health")
  [[ $code == 200 ]] || die "health after load: HTTP $code"
fi
kill -TERM "$server_pid" 2>/dev/null || true
rc=0; wait "$server_pid" || rc=$?
server_pid=""
((rc == 0)) || die "rampart exited $rc on SIGTERM"

# --- report --------------------------------------------------------------------------------------
ref_kb="" last_kb="" min_kb="" max_kb="" series="" load_rows=""
for smp in "${samples[@]+"${samples[@]}"}"; do
  s=${smp%%:*} kb=${smp#*:}
  [[ -z $ref_kb && $s -ge 10 ]] && ref_kb=$kb
  last_kb=$kb
  [[ -z $min_kb || $kb -lt $min_kb ]] && min_kb=$kb
  [[ -z $max_kb || $kb -gt $max_kb ]] && max_kb=$kb
  series+="${s}s $(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}'), "
done
if ((load_seconds > 0)); then
  [[ -n $ref_kb ]] || ref_kb=${samples[0]#*:}
  growth=$((last_kb - ref_kb))
  flat=yes; ((growth > flat_kb || growth < -flat_kb)) && flat=no
  load_rows="| load: ${conns} connections, ${load_seconds} s, wrk -t${wrk_threads} | $(printf '%.0f' "${w[rps]}") req/s, p50 ${w[p50_us]} us, p99 ${w[p99_us]} us, ${w[requests]} requests, 0 errors |
| VmRSS under load, min / max | $(mb "$min_kb") / $(mb "$max_kb") |
| VmRSS growth from t=10 s to last sample | ${growth} kB (flat: $flat, threshold ±${flat_kb} kB) |
| VmRSS 1 s after load (VmHWM) | $(mb "$after_rss") ($(mb "$after_hwm")) |

VmRSS samples under load (MB): ${series%, }"
fi

report=$(cat <<EOF
rampart @$commit, $(nproc) cores, load1 at start $load_start; start times are medians of $start_runs runs (min-max in brackets).

| measure | value |
|---|---|
| exec \`rampart --help\` (loader + static init, for scale) | ${exec_ms} ms |
| start -> first 200, fresh data dir (bootstrap) | ${start_med[fresh]} ms (${start_min[fresh]}-${start_max[fresh]}) |
| start -> first 200, existing data dir | ${start_med[existing]} ms (${start_min[existing]}-${start_max[existing]}) |
| start -> first 200, --dev | ${start_med[dev]} ms (${start_min[dev]}-${start_max[dev]}) |
| SIGTERM -> exit 0 (fresh / existing / dev) | ${stop_med[fresh]} / ${stop_med[existing]} / ${stop_med[dev]} ms |
| idle VmRSS (${idle_wait} s after first 200) | $(mb "$idle_rss") (VmHWM $(mb "$idle_hwm")) |
${load_rows}
EOF
)
echo "$report"
[[ -n $out ]] && echo "$report" >"$out"
exit 0
