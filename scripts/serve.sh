#!/usr/bin/env bash
# Installs build dependencies, builds Rampart in Release and starts `rampart serve` on its
# embedded default (SQLite under ./data, listening on 127.0.0.1:4566). Extra arguments go to
# `rampart serve`, e.g. scripts/serve.sh --dev
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRAMPART_TESTS=OFF -DRAMPART_BENCH=OFF >/dev/null
cmake --build build --target rampart
exec build/rampart serve "$@"
