# Shared by the load benchmarks (sourced after argument parsing; expects RAMPART_BIN, PYTHON
# and a die() that prints and exits).

# bench_prerequisites [PYTHON MODULE...]: wrk (installed from Debian if missing), curl, a Release
# build at $RAMPART_BIN, and the given modules importable by $PYTHON.
bench_prerequisites() {
  if ! command -v wrk >/dev/null; then
    echo "$(basename "$0" .sh): installing wrk (apt)" >&2
    { apt-get update -qq && apt-get install -y -qq wrk; } >/dev/null || die "cannot install wrk"
  fi
  command -v curl >/dev/null || die "curl is required"
  [[ -x $RAMPART_BIN ]] || die "no $RAMPART_BIN; build it: cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build --target rampart"
  local build_type m
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$RAMPART_BIN")/CMakeCache.txt" 2>/dev/null || true)
  [[ -z $build_type || $build_type == Release ]] || die "$RAMPART_BIN is a $build_type build; benchmark a Release build"
  for m in "$@"; do
    "$PYTHON" -c "import $m" 2>/dev/null ||
      die "$PYTHON lacks the module $m$([[ $m == moto ]] && echo " (pip install 'moto[server]')")"
  done
}
