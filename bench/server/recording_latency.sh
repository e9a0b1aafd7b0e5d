#!/usr/bin/env bash
# Latency of signed STS GetCallerIdentity at 64 connections on three servers started the same
# way: recording with its data directory on disk (the default), recording with it on tmpfs
# (/dev/shm), and not recording (--event-recording false). Points rotate between the servers;
# prints req/s, p50 and p99 (wrk --latency) of every point. Shows whether a p99 gap comes from
# recording, from the filesystem under the log, or from the machine.
# usage: bench/server/recording_latency.sh [seconds-per-point=8] [rounds=3]
# env:   RAMPART_BIN (the binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${RAMPART_BIN:-build/rampart}
SECS=${1:-8}
ROUNDS=${2:-3}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
disk=$(mktemp -d /tmp/rampart-lat.XXXXXX)
shm=$(mktemp -d /dev/shm/rampart-lat.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$disk" "$shm"; }
trap cleanup EXIT
start() {  # start DIR NAME ARGS... -> PORT (and DIR/NAME.lua, a signed request)
  local dir=$1 name=$2 port='' k s; shift 2
  "$BIN" serve --listen 127.0.0.1:0 --access-log off --data-dir "$dir/$name" "$@" \
    >/dev/null 2>"$dir/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$dir/$name.err" | sed 's/.*://' || true)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "server $name did not start" >&2; exit 1; }
  k=$(grep aws_access_key_id "$dir/$name/root-credentials" | awk '{print $3}')
  s=$(grep aws_secret_access_key "$dir/$name/root-credentials" | awk '{print $3}')
  /usr/bin/python3 bench/server/sign_request.py sts "Action=GetCallerIdentity&Version=2011-06-15" \
    "127.0.0.1:$port" "$k" "$s" "$dir/$name.lua" >/dev/null
  PORT=$port
}
start "$disk" disk; P_DISK=$PORT
start "$shm" tmpfs; P_SHM=$PORT
start "$disk" off --event-recording false; P_OFF=$PORT
echo "load1 $(cut -d' ' -f1 /proc/loadavg); $SECS-s points, 64 connections"
for _ in $(seq "$ROUNDS"); do
  for point in "recording,disk $P_DISK $disk/disk.lua" "recording,tmpfs $P_SHM $shm/tmpfs.lua" \
               "not-recording $P_OFF $disk/off.lua"; do
    read -r name port lua <<<"$point"
    out=$(wrk -t1 -c64 -d"${SECS}s" --latency -s "$lua" "http://127.0.0.1:$port/")
    printf '%-16s %10s req/s  p50 %-9s p99 %s\n' "$name" \
      "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
      "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
  done
done
