#!/usr/bin/env bash
# Installs Rampart's dependencies from Debian 12's packages.
#   scripts/deps.sh build   - what building and running the server needs
#   scripts/deps.sh test    - build deps plus the test clients (aws CLI v2, boto3, pytest, ...)
set -euo pipefail
mode=${1:-build}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

build_pkgs=(build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libssl-dev libsqlite3-dev libfmt-dev libcli11-dev
  libre2-dev libexpat1-dev libargon2-dev libqrencode-dev libpng-dev zlib1g-dev libmimalloc-dev
  python3 python3-botocore
  libgtest-dev libgmock-dev libbenchmark-dev)
test_pkgs=(awscli python3-boto3 python3-pytest python3-requests python3-cryptography openssl curl xmlsec1 libxml2-dev
  clang libclang-rt-14-dev)

pkgs=("${build_pkgs[@]}")
if [ "$mode" = "test" ]; then pkgs+=("${test_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
