#!/usr/bin/env bash
# Installs build and test dependencies, builds everything (Release) and runs the whole suite:
# the gtest unit tests through ctest, then the integration tests (pytest, driving the real
# binary with Debian's aws CLI v2 and boto3, and the newer boto3 of the pyenv Python if present),
# then the Debian package (scripts/package-test.sh), the container image where a container
# runtime answers (scripts/image-test.sh), then a short fuzzing pass over every libFuzzer target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRAMPART_TESTS=ON -DRAMPART_BENCH=ON >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs" --timeout 300)
RAMPART_BIN="$PWD/build/rampart" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration
# The .deb: built, installed, started as its systemd unit runs it, checked, purged.
scripts/package-test.sh
# The container image: built and checked where a runtime answers (docs/OPERATIONS.md otherwise).
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  scripts/image-test.sh
else
  echo "image-test: no container runtime answers here; the image is not built (docs/OPERATIONS.md)"
fi
# A short libFuzzer run of every parser of untrusted bytes (the campaign: scripts/fuzz.sh --long,
# docs/FUZZING.md).
scripts/fuzz.sh "${RAMPART_FUZZ_SECONDS:-10}"
