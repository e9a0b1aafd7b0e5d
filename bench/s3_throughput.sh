#!/usr/bin/env bash
# S3 throughput of one large object against the disk itself, same filesystem, same run (issue 14):
# PutObject as a multipart upload vs `dd ... conv=fsync`, GetObject vs `dd` reads.
#
# Starts Rampart (Release build, --access-log off, fresh data dir under BENCH_TMP, root
# credentials) and creates a bucket. Each run, in this order:
#   1. dd write: `dd if=/dev/zero of=DATA_DIR/dd.bin bs=8M count=SIZE/8 conv=fsync`, timed.
#   2. Rampart PUT: bench/s3/s3_transfer.py uploads SIZE as a multipart upload of PART-MiB parts
#      (all parts the same random bytes), --parallel parts at a time, to presigned UploadPart
#      URLs; the time runs from CreateMultipartUpload to CompleteMultipartUpload's answer.
#      Rampart encrypts each part (AES-256-GCM) and fdatasyncs it before answering.
#   3. Page cache dropped (echo 3 > /proc/sys/vm/drop_caches, if allowed), then dd read:
#      `dd if=DATA_DIR/dd.bin of=/dev/null bs=8M`, timed.
#   4. Page cache dropped, Rampart's peak RSS reset (echo 5 > /proc/PID/clear_refs), then
#      Rampart GET: curl of a presigned GetObject URL (botocore, s3v4) to /dev/null, timed;
#      VmHWM afterwards is the peak RSS during the GET (VmRSS is also sampled every 50 ms).
# Before each timed step `sync` flushes dirty pages, so no step pays for another's writeback.
# Prints per-run figures and medians, MiB/s and Rampart/dd ratios. Any non-200, a short
# download or a range read that returns other bytes than were uploaded fails the run.
#
# usage: bench/s3_throughput.sh [--runs N] [--size-mib 1024] [--part-mib 8] [--parallel 1]
#                               [--threads N] [--max-body-bytes N] [--request-timeout S]
#                               [--out FILE.md]
# --request-timeout is passed to Rampart: its deadline (default 30 s) runs from a request's head
# to the end of the response, so a GET that takes longer is cut off mid-body (HTTP 200, short).
# env:   RAMPART_BIN (default build/rampart), PYTHON (default python3 first on PATH),
#        BENCH_TMP (where the data dir and dd's file go, default /tmp)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
RAMPART_BIN=${RAMPART_BIN:-$root/build/rampart}
PYTHON=${PYTHON:-python3}
runs=3 size_mib=1024 part_mib=8 parallel=1 threads=0 max_body="" req_timeout="" out=""

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --size-mib) size_mib=$2; shift 2 ;;
    --part-mib) part_mib=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --max-body-bytes) max_body=$2; shift 2 ;;
    --request-timeout) req_timeout=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

die() { echo "s3_throughput: $*" >&2; exit 1; }
((size_mib % part_mib == 0)) || die "--size-mib must be a multiple of --part-mib"

source "$root/bench/common.sh"
bench_prerequisites boto3 botocore

work=$(mktemp -d "${BENCH_TMP:-/tmp}/rampart-s3-throughput.XXXXXX")
rampart_pid="" sampler_pid=""
cleanup() {
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null
  [[ -n $rampart_pid ]] && kill "$rampart_pid" 2>/dev/null && wait "$rampart_pid" 2>/dev/null
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
now() { date +%s.%N; }
drop_caches() {  # -> "dropped" or "page cache"
  sync
  if echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then echo dropped; else echo "page cache"; fi
}
status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }  # PID FIELD

# --- server --------------------------------------------------------------------------------------
# Run a private copy: another build relinking build/rampart mid-run must not change what we measure.
cp "$RAMPART_BIN" "$work/rampart"
serve_args=(serve --listen 127.0.0.1:0 --data-dir "$work/data" --access-log off --threads "$threads")
[[ -n $max_body ]] && serve_args+=(--max-body-bytes "$max_body")
[[ -n $req_timeout ]] && serve_args+=(--request-timeout "$req_timeout")
"$work/rampart" "${serve_args[@]}" 2>"$work/rampart.err" &
rampart_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/rampart.err" && break; sleep 0.05; done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/rampart.err" | grep -o '[0-9]*$') ||
  die "rampart did not start: $(cat "$work/rampart.err")"
wait_http "http://127.0.0.1:$port/_rampart/health" 5 || die "rampart health check failed"
key=$(sed -n 's/^aws_access_key_id *= *//p' "$work/data/root-credentials")
secret=$(sed -n 's/^aws_secret_access_key *= *//p' "$work/data/root-credentials")
s3() { "$PYTHON" "$root/bench/s3/s3_transfer.py" "127.0.0.1:$port" "$key" "$secret" "$@"; }
s3 mb bench || die "CreateBucket failed"
head -c $((part_mib << 20)) /dev/urandom >"$work/part.bin"
size=$((size_mib << 20))
fs=$(df --output=source,fstype "$work/data" | tail -1 | tr -s ' ')

commit=${RAMPART_LABEL:-$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)}
threads_label=$threads; ((threads == 0)) && threads_label="$(nproc) (one per core)"
echo "s3_throughput: rampart @$commit on :$port (threads $threads_label${max_body:+, --max-body-bytes $max_body}${req_timeout:+, --request-timeout $req_timeout});" \
  "data dir on $fs; $runs runs of $size_mib MiB, parts of $part_mib MiB x $parallel in parallel" >&2

results=$work/results.tsv  # run dd_w_s put_s parts_s dd_r_s get_s hwm_kb rss_max_kb rss_before_kb caches load1 ttfb_s
: >"$results"
for run in $(seq "$runs"); do
  load1=$(cut -d' ' -f1 /proc/loadavg)
  # 1. dd write, fsync'd
  sync; t0=$(now)
  dd if=/dev/zero of="$work/data/dd.bin" bs=8M count=$((size_mib / 8)) conv=fsync status=none
  dd_w=$(echo "$(now) - $t0" | bc)
  # 2. Rampart multipart upload
  sync
  read -r put_s parts_s etag < <(s3 put bench "big-$run" "$size_mib" "$part_mib" "$parallel" "$work/part.bin") ||
    { tail -n 20 "$work/rampart.err" >&2; die "run $run: multipart upload failed"; }
  [[ -n $put_s ]] || die "run $run: multipart upload failed"
  url=$(s3 url bench "big-$run")
  if ((run == 1)); then  # the bytes read back are the bytes uploaded (a range across two parts)
    off=$(((part_mib << 20) * 3 - 1000))
    code=$(curl -s -o "$work/range.bin" -w '%{http_code}' -r "$off-$((off + 1999))" "$url")
    [[ $code == 206 ]] || die "range GET: HTTP $code: $(head -c 400 "$work/range.bin")"
    cmp -s "$work/range.bin" <(cat "$work/part.bin" "$work/part.bin" | tail -c +$((part_mib * 1048576 - 999)) | head -c 2000) ||
      die "range GET returned other bytes than were uploaded"
  fi
  # 3. dd read, cold
  caches=$(drop_caches); t0=$(now)
  dd if="$work/data/dd.bin" of=/dev/null bs=8M status=none
  dd_r=$(echo "$(now) - $t0" | bc)
  rm -f "$work/data/dd.bin"
  # 4. Rampart GET, cold, with its peak RSS
  caches=$(drop_caches)
  rss_before=$(status_kb "$rampart_pid" VmRSS)
  echo 5 >"/proc/$rampart_pid/clear_refs" 2>/dev/null || echo "s3_throughput: cannot reset VmHWM; it is the peak since start" >&2
  (while sleep 0.05; do status_kb "$rampart_pid" VmRSS; done) >"$work/rss.samples" 2>/dev/null &
  sampler_pid=$!
  read -r code got get_s ttfb curl_rc < <(curl -s -o /dev/null \
    -w '%{http_code} %{size_download} %{time_total} %{time_starttransfer} ' "$url"; echo $?)
  kill "$sampler_pid"; wait "$sampler_pid" 2>/dev/null || true; sampler_pid=""
  kill -0 "$rampart_pid" 2>/dev/null || die "run $run: rampart died during the GET: $(tail -n 20 "$work/rampart.err")"
  [[ $code == 200 && $got == "$size" ]] || {
    [[ $code == 200 ]] || { curl -s -o "$work/fail.body" "$url"; head -c 400 "$work/fail.body" >&2; echo >&2; }
    die "run $run: GET answered HTTP $code with $got of $size bytes (curl exit $curl_rc after ${get_s} s, first byte at ${ttfb} s)"; }
  hwm=$(status_kb "$rampart_pid" VmHWM)
  rss_max=$(sort -n "$work/rss.samples" | tail -1)
  s3 rm bench "big-$run"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$dd_w" "$put_s" "$parts_s" "$dd_r" "$get_s" \
    "$hwm" "${rss_max:-0}" "$rss_before" "$caches" "$load1" "$ttfb" >>"$results"
  awk -v s="$size_mib" -v dw="$dd_w" -v p="$put_s" -v dr="$dd_r" -v g="$get_s" -v h="$hwm" -v r="$run" -v l="$load1" \
    'BEGIN { printf "  run %s: dd write %6.0f MiB/s  PUT %6.0f MiB/s (%3.0f%%)  dd read %6.0f MiB/s  GET %6.0f MiB/s (%3.0f%%)  GET VmHWM %5.0f MiB  load1 %s\n",
      r, s/dw, s/p, 100*dw/p, s/dr, s/g, 100*dr/g, h/1024, l }' >&2
done
# Rampart must still be answering.
wait_http "http://127.0.0.1:$port/_rampart/health" 5 || die "rampart stopped answering"

# --- report --------------------------------------------------------------------------------------
report=$("$PYTHON" - "$results" "$runs" "$size_mib" "$part_mib" "$parallel" "$threads_label" "$commit" "$fs" "$max_body" <<'PY'
import statistics as st, sys, datetime
path, runs, size, part, par, threads, commit, fs, max_body = sys.argv[1:]
size = int(size)
rows = [l.rstrip("\n").split("\t") for l in open(path)]
col = lambda i: [float(r[i]) for r in rows]
dd_w, put, parts, dd_r, get, hwm, rss_max, rss_before = (col(i) for i in range(1, 9))
caches = {r[9] for r in rows}
loads = col(10)
mibs = lambda secs: [size / s for s in secs]
print(f"One {size} MiB object, loopback, {datetime.datetime.now():%Y-%m-%d %H:%M}, rampart @{commit}, data dir and dd's "
      f"file on {fs}; Rampart threads {threads}{', --max-body-bytes ' + max_body if max_body else ''}; PUT = multipart "
      f"upload of {part} MiB parts, {par} at a time (CreateMultipartUpload to CompleteMultipartUpload); GET = curl of a "
      f"presigned URL to /dev/null; reads {'cold (page cache dropped before each)' if caches == {'dropped'} else 'from the page cache (could not drop it)'}; "
      f"median of {runs} runs; load1 before runs {min(loads):.2f}-{max(loads):.2f}.")
print()
print("| | dd (same filesystem) | Rampart | Rampart / dd |")
print("|---|---:|---:|---:|")
mw, mp = st.median(mibs(dd_w)), st.median(mibs(put))
mr, mg = st.median(mibs(dd_r)), st.median(mibs(get))
print(f"| write: `dd bs=8M conv=fsync` vs PutObject (multipart) | {mw:,.0f} MiB/s | {mp:,.0f} MiB/s "
      f"({st.median(parts) and size / st.median(parts):,.0f} MiB/s parts alone) | **{100 * mp / mw:.0f} %** |")
ttfb, get_s = st.median(col(11)), st.median(get)
print(f"| read: `dd bs=8M` vs GetObject | {mr:,.0f} MiB/s | {mg:,.0f} MiB/s (first byte after {ttfb:.1f} of {get_s:.1f} s) | **{100 * mg / mr:.0f} %** |")
print()
print(f"Rampart RSS during the GET: peak (VmHWM, reset just before) **{st.median(hwm) / 1024:,.0f} MiB** "
      f"(per run {', '.join(f'{h / 1024:,.0f}' for h in hwm)}); highest 50-ms VmRSS sample "
      f"{st.median(rss_max) / 1024:,.0f} MiB; before the GET {st.median(rss_before) / 1024:,.0f} MiB.")
print()
print("Per run (MiB/s): dd write " + ", ".join(f"{x:,.0f}" for x in mibs(dd_w)) +
      "; PUT " + ", ".join(f"{x:,.0f}" for x in mibs(put)) +
      "; dd read " + ", ".join(f"{x:,.0f}" for x in mibs(dd_r)) +
      "; GET " + ", ".join(f"{x:,.0f}" for x in mibs(get)) + ".")
PY
)
echo "$report"
[[ -n $out ]] && echo "$report" >"$out"
exit 0
