#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cc) with clang, ASan and UBSan in build-fuzz/ and
# runs each for a while on a copy of its seed corpus (fuzz/corpus/<target without _fuzz>/).
#   scripts/fuzz.sh [seconds-per-target=15]
# Exit status is non-zero if a target crashes, leaks or trips a sanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRAMPART_FUZZ=ON -DRAMPART_TESTS=OFF -DRAMPART_BENCH=OFF >/dev/null
targets=$(cd fuzz && ls *_fuzz.cc | sed 's/\.cc$//')
cmake --build build-fuzz -j "$(nproc)" --target $targets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
passed=0
failed=0
for t in $targets; do
  corpus=fuzz/corpus/${t%_fuzz}
  mkdir -p "$work/$t"
  [ -d "$corpus" ] && cp -r "$corpus/." "$work/$t/"
  echo "fuzz: $t for ${secs}s"
  if ! build-fuzz/fuzz/$t -max_total_time="$secs" -print_final_stats=1 "$work/$t" \
      >"$work/$t.log" 2>&1; then
    echo "fuzz: $t FAILED"; tail -40 "$work/$t.log"; status=1
    failed=$((failed + 1))
  else
    grep -E "stat::number_of_executed_units" "$work/$t.log" | sed "s/^/  /"
    passed=$((passed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
exit $status
