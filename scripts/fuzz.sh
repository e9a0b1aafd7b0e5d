#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cc) with clang, ASan and UBSan in build-fuzz/ and
# runs each on a copy of its seed corpus (fuzz/corpus/<target without _fuzz>/).
#
#   scripts/fuzz.sh [seconds-per-target=15] [target...]
#       The short pass CI runs: proves every target builds and holds for a few seconds.
#   scripts/fuzz.sh --long [--runs N] [--jobs J] [--out FILE] [target...]
#       The campaign (docs/FUZZING.md): every target for N executions (default 10,000,000) or
#       the time budget fuzz/budgets.txt gives it, whichever comes first; new coverage merged
#       back into fuzz/corpus/; a Markdown table of executions, coverage and results per target
#       printed (and written to FILE). J targets at a time (default 1: leave a core free).
#
# Exit status is non-zero if a target crashes, leaks, times out or trips a sanitizer; its
# reproducer is kept in build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."

long=0 runs=10000000 jobs=1 out="" secs=15 picked=()
while [ $# -gt 0 ]; do
  case "$1" in
    --long) long=1 ;;
    --runs) runs=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --out) out=$2; shift ;;
    [0-9]*) secs=$1 ;;
    *) picked+=("${1%_fuzz}_fuzz") ;;
  esac
  shift
done

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRAMPART_FUZZ=ON -DRAMPART_TESTS=OFF -DRAMPART_BENCH=OFF >/dev/null
if [ ${#picked[@]} -gt 0 ]; then targets="${picked[*]}"; else
  targets=$(cd fuzz && ls *_fuzz.cc | sed 's/\.cc$//'); fi
cmake --build build-fuzz -j "$(nproc)" --target $targets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
findings=build-fuzz/findings
mkdir -p "$findings"

# The time budget of a target in the long campaign: fuzz/budgets.txt ("target seconds"), else
# a generous cap (the execution count is what should end the run).
budget() {
  local b
  b=$(awk -v t="$1" '$1 == t { print $2 }' fuzz/budgets.txt 2>/dev/null)
  echo "${b:-7200}"
}

# Runs one target; prints "target|executions|seconds|cov|ft|corpus before|corpus after|result".
run_target() {
  local t=$1 corpus=fuzz/corpus/${1%_fuzz} dir=$work/$1 log=$work/$1.log limit start end rc=0
  mkdir -p "$dir"
  [ -d "$corpus" ] && cp -r "$corpus/." "$dir/"
  local before
  before=$(ls "$dir" | wc -l)
  if [ $long = 1 ]; then limit=(-runs="$runs" -max_total_time="$(budget "$t")"); else
    limit=(-max_total_time="$secs"); fi
  start=$(date +%s)
  build-fuzz/fuzz/$t "${limit[@]}" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$findings/$t-" "$dir" >"$log" 2>&1 || rc=$?
  end=$(date +%s)
  local execs cov ft result=passed
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  if [ $rc != 0 ]; then
    result=FAILED
    cp "$log" "$findings/$t.log"
  elif [ $long = 1 ]; then
    mkdir -p "$corpus"
    build-fuzz/fuzz/$t -merge=1 "$corpus" "$dir" >>"$log" 2>&1 || result="merge failed"
  fi
  echo "$t|${execs:-?}|$((end - start))|${cov:-?}|${ft:-?}|$before|$(ls "$corpus" 2>/dev/null | wc -l)|$result"
}
export -f run_target budget
export work findings long runs secs

# Each target's row is also appended to build-fuzz/fuzz-results.log as it finishes, so a
# campaign cut short keeps what it measured.
echo "$targets" | tr ' ' '\n' | xargs -P "$jobs" -I{} bash -c 'run_target {}' |
  tee "$work/results" | sed -u "s/^/$(date -u +%FT%TZ)|$(git rev-parse --short HEAD 2>/dev/null)|/" \
  >>build-fuzz/fuzz-results.log
sort "$work/results" -o "$work/results"

table() {
  echo "| target | executions | seconds | exec/s | cov | ft | corpus (seeds → now) | result |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  while IFS='|' read -r t e s c f b a r; do
    local rate="?"
    [[ $e =~ ^[0-9]+$ ]] && [ "$s" -gt 0 ] && rate=$((e / s))
    echo "| $t | $e | $s | $rate | $c | $f | $b → $a | $r |"
  done <"$work/results"
}
table
[ -n "$out" ] && table >"$out"
failed=$(grep -c '|FAILED$' "$work/results" || true)
for t in $(grep '|FAILED$' "$work/results" | cut -d'|' -f1); do
  echo "fuzz: $t FAILED (build-fuzz/findings/$t.log):"; tail -40 "$findings/$t.log"
done
echo "fuzz: $(($(wc -l <"$work/results") - failed)) passed, $failed failed"
[ "$failed" = 0 ]
