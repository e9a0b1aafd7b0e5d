#!/usr/bin/env bash
# Builds the .deb (cpack in build/), installs it on this machine with apt (so its dependencies
# come from Debian's packages), starts the service the way its systemd unit does, checks it
# (`rampart health`, then a signed boto3 call with the root credentials the service made), stops
# it and purges the package. Run by scripts/test.sh after the suite; expects build/ configured.
# Without systemd as PID 1 (a container, CI) the unit's ExecStart runs as the unit's user with
# the unit's state directory and environment file.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
# `cmake --install` into a staging directory: every file where the unit and the docs say, the
# unit naming the installed binary, and a sysusers.d entry systemd-sysusers accepts.
stage=$(mktemp -d)
DESTDIR="$stage" cmake --install build --prefix /usr >/dev/null
for f in usr/bin/rampart usr/lib/systemd/system/rampart.service usr/lib/sysusers.d/rampart.conf \
         etc/default/rampart usr/share/doc/rampart/README.md usr/share/doc/rampart/OPERATIONS.md; do
  test -e "$stage/$f" || { echo "package-test: cmake --install left out /$f"; exit 1; }
done
grep -q '^ExecStart=/usr/bin/rampart serve' "$stage/usr/lib/systemd/system/rampart.service"
grep -q '^User=rampart' "$stage/usr/lib/systemd/system/rampart.service"
if command -v systemd-sysusers >/dev/null; then
  systemd-sysusers --dry-run "$stage/usr/lib/sysusers.d/rampart.conf" >/dev/null
fi
rm -rf "$stage"
echo "package-test: cmake --install layout checked"

# The package itself is installed on this machine: refuse (not skip) where that would touch an
# existing installation, so a run that did not test the package never reads as a pass.
if dpkg-query -W -f='${Status}' rampart 2>/dev/null | grep -q "install ok installed"; then
  echo "package-test: a rampart package is installed on this machine already: not tested"
  echo "  (remove it with 'apt-get purge rampart', or run on a clean machine)"
  exit 1
fi
state=/var/lib/rampart
if [ -e "$state" ]; then
  echo "package-test: $state exists (another installation's state?): not tested"
  exit 1
fi

(cd build && rm -f rampart_*.deb && cpack >/dev/null)
deb=$(ls "$PWD"/build/rampart_*_*.deb | head -1)
echo "package-test: installing $(basename "$deb")"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
unit=/usr/lib/systemd/system/rampart.service
pid=""
cleanup() {
  if [ -n "$pid" ]; then $SUDO kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -d /run/systemd/system ]; then $SUDO systemctl stop rampart 2>/dev/null || true; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq rampart >/dev/null || true
  $SUDO rm -rf "$state"
}
trap cleanup EXIT

test -x /usr/bin/rampart && test -f "$unit" && test -f /etc/default/rampart
getent passwd rampart >/dev/null
/usr/bin/rampart --version
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit"
fi

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "RAMPART_LISTEN=127.0.0.1:$port" | $SUDO tee -a /etc/default/rampart >/dev/null
if [ -d /run/systemd/system ]; then
  $SUDO systemctl start rampart
else
  # What systemd does for this unit: StateDirectory, User/Group, UMask, EnvironmentFile.
  $SUDO install -d -m 0700 -o rampart -g rampart "$state"
  cmd=$(sed -n 's/^ExecStart=//p' "$unit")
  (
    set -a
    . /etc/default/rampart
    set +a
    umask 0077
    # shellcheck disable=SC2086
    exec $SUDO runuser -u rampart -- env RAMPART_LISTEN="$RAMPART_LISTEN" $cmd
  ) >/tmp/rampart-package-test.log 2>&1 &
  pid=$!
fi
for _ in $(seq 1 100); do
  if /usr/bin/rampart health --listen "127.0.0.1:$port" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
/usr/bin/rampart health --listen "127.0.0.1:$port"
test "$($SUDO stat -c '%a %U' "$state")" = "700 rampart"
test "$($SUDO stat -c '%a %U' "$state/root-credentials")" = "600 rampart"
if grep -q aws_secret_access_key /tmp/rampart-package-test.log 2>/dev/null; then
  echo "package-test: the root secret was printed"; exit 1
fi
$SUDO cat "$state/root-credentials" >/tmp/rampart-package-test.creds
AWS_SHARED_CREDENTIALS_FILE=/tmp/rampart-package-test.creds /usr/bin/python3 - "$port" <<'PY'
import sys, boto3
sts = boto3.client("sts", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1")
arn = sts.get_caller_identity()["Arn"]
assert arn.endswith(":root"), arn
print("package-test: signed call answered as", arn)
PY
rm -f /tmp/rampart-package-test.creds
echo "package-test: passed"
